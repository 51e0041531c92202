import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Classifier } from '../classifier';
import { objectAttributes, reportClassified } from './classified-report';
import { ObjectStoreError, PermanentFailure } from './errors';
import type { ResolvedDeps } from './handler-deps';
import type { InvocationRun } from './invocation';
import { classifyImage, readImage } from './read-and-classify';
import {
  errorDocument,
  type ObjectToClassify,
  type ResultDocument,
  resultMetadata,
  type SuccessResult,
  serializeResult,
  sourceOf,
  successDocument,
} from './result-document';
import { type ObjectLocation, resultLocationFor } from './result-key';
import { METRIC } from './telemetry';

/** A classified object: where its result went and its original line. */
export interface ClassifiedObject {
  bucket: string;
  key: string;
  status: 'classified';
  result: ObjectLocation;
  line: string;
}

/**
 * Classify-and-store for one object, as the upload trigger and Batch Operations both do it: the result
 * JSON at `<RESULTS_PREFIX><key>.json`, one structured log line, metrics. A permanent failure is written
 * as an error result there and thrown as a PermanentFailure naming it; a transient one (S3 5xx, network,
 * a failed write, a bug) is thrown as it is.
 */
export function createClassifyAndStore(
  deps: Pick<ResolvedDeps, 'store' | 'logger' | 'metrics' | 'config' | 'print' | 'now'>,
) {
  const { store, logger, metrics, config, print, now } = deps;

  async function classifyAndStore(
    classifier: Classifier,
    target: ObjectToClassify,
    run: InvocationRun,
  ): Promise<ClassifiedObject> {
    const location = resultLocationFor(target, config);
    try {
      return await classified(classifier, target, location, run);
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      throw await recorded(error, target, location, run);
    }
  }

  async function classified(
    classifier: Classifier,
    target: ObjectToClassify,
    location: ObjectLocation,
    run: InvocationRun,
  ): Promise<ClassifiedObject> {
    const { object, downloadMs } = await readImage(store, target, config.maxObjectBytes, run.signal);
    const result = await classifyImage(
      classifier,
      object.bytes,
      { topK: config.topK, minConfidence: config.minConfidence, allProbabilities: true },
      object,
    );
    const doc: SuccessResult = successDocument(sourceOf(target, object), result, downloadMs, {
      requestId: run.requestId,
      processedAt: now().toISOString(),
    });
    print(doc.line);
    await writeResult(location, doc, run.signal);
    reportClassified({ logger, metrics }, doc, run, location);
    return { bucket: target.bucket, key: target.key, status: 'classified', result: location, line: doc.line };
  }

  /** Writes the error result of a permanent failure; returns the failure, now naming where it went. */
  async function recorded(
    failure: PermanentFailure,
    target: ObjectToClassify,
    location: ObjectLocation,
    run: InvocationRun,
  ): Promise<PermanentFailure> {
    const doc = errorDocument(
      sourceOf(target, failure.object),
      { code: failure.code, message: failure.message },
      { requestId: run.requestId, processedAt: now().toISOString() },
    );
    // A failed write here is transient (or a permissions problem): it propagates and the work is retried.
    await writeResult(location, doc, run.signal);
    logger.warn('permanent failure: error result written, not retried', {
      ...objectAttributes(doc.source, run),
      errorCode: failure.code,
      error: failure.message,
      result: `s3://${location.bucket}/${location.key}`,
    });
    metrics.addMetric(METRIC.permanent, MetricUnit.Count, 1);
    return new PermanentFailure(failure.code, failure.message, {
      cause: failure.cause,
      object: failure.object,
      result: location,
    });
  }

  /** Writes a result; a failed write is transient whatever S3 answered, so the work is done again. */
  async function writeResult(
    target: ObjectLocation,
    doc: ResultDocument,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await store.put({
        bucket: target.bucket,
        key: target.key,
        body: serializeResult(doc),
        contentType: 'application/json',
        metadata: resultMetadata(doc),
        signal,
      });
    } catch (error) {
      if (error instanceof ObjectStoreError && !error.transient) {
        throw new ObjectStoreError(error.code, error.message, { cause: error.cause, kind: 'transient' });
      }
      throw error;
    }
  }

  return { classifyAndStore };
}

export type ClassifyAndStore = ReturnType<typeof createClassifyAndStore>['classifyAndStore'];
