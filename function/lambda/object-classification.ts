import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type ClassificationResult,
  type Classifier,
  type ClassifyOptions,
  formatOriginalLine,
  isImageError,
  LambdaVisionError,
} from '../classifier';
import { ConfigError, type LambdaConfig } from './config';
import {
  DeadlineError,
  type FailureCode,
  InvalidEventError,
  ObjectStoreError,
  RecordErrorCode,
} from './errors';
import type { ObjectStore, StoredObject } from './object-store';
import {
  type ErrorResult,
  RESULT_VERSION,
  type ResultDocument,
  type ResultSource,
  resultMetadata,
  type SuccessResult,
  serializeResult,
} from './result-document';
import { type ObjectLocation, resultLocationFor } from './result-key';
import { type LogSink, METRIC, type MetricsSink, type Trigger } from './telemetry';

/**
 * Read an object, classify it, write its result: the work every path shares (the upload trigger, S3 Batch
 * Operations, and, without the write, the on-demand endpoint).
 */

/** An object to classify, with what the event already said about it. */
export interface ObjectToClassify {
  bucket: string;
  key: string;
  etag?: string | undefined;
  versionId?: string | undefined;
  eventTime?: string | undefined;
}

/** One invocation's facts, for the result and the log line. */
export interface InvocationRun {
  requestId: string;
  isColdStart: boolean;
  /** Aborts the S3 calls shortly before the invocation's deadline. */
  signal: AbortSignal;
  trigger: Trigger;
}

export interface ObjectOutcome {
  bucket: string;
  key: string;
  status: 'classified' | 'failed';
  /** Where the result (or error result) was written. */
  result: ObjectLocation;
  code?: FailureCode;
  line?: string;
  /** Why it failed, for a permanent failure. */
  message?: string;
}

export interface ObjectClassificationDeps {
  store: ObjectStore;
  logger: LogSink;
  metrics: MetricsSink;
  config: LambdaConfig;
  print: (line: string) => void;
  now: () => Date;
}

/** A permanent failure of one object: recorded as an error result (or a 4xx), never retried. */
export class PermanentFailure extends Error {
  readonly code: FailureCode;
  /** The bytes read, when the failure came after reading them. */
  readonly object: StoredObject | undefined;
  constructor(code: FailureCode, message: string, object: StoredObject | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'PermanentFailure';
    this.code = code;
    this.object = object;
  }
}

export const ms = (start: number): number => Math.round((performance.now() - start) * 100) / 100;

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The stable code of any failure (UNEXPECTED for what nobody anticipated). */
export function codeOf(error: unknown): FailureCode {
  if (error instanceof PermanentFailure) return error.code;
  if (error instanceof ObjectStoreError || error instanceof DeadlineError) return error.code;
  if (error instanceof InvalidEventError || error instanceof ConfigError) return error.code;
  if (error instanceof LambdaVisionError) return error.code;
  return RecordErrorCode.UNEXPECTED;
}

/**
 * The model, once loaded. A failed load is nothing the images did: it is logged and thrown, so the
 * invocation fails and is retried once the deployment is fixed.
 */
export async function awaitModel(
  classifier: Classifier | Promise<Classifier>,
  logger: LogSink,
  config: Pick<LambdaConfig, 'modelDir'>,
): Promise<Classifier> {
  try {
    return await classifier;
  } catch (error) {
    logger.critical('the model could not be loaded at init', {
      errorCode: codeOf(error),
      modelDir: config.modelDir,
      error: error as Error,
    });
    throw error;
  }
}

/** Reads an object's bytes; a permanent store failure (gone, forbidden, too large) becomes a PermanentFailure. */
export async function readImage(
  store: ObjectStore,
  source: ObjectLocation,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ object: StoredObject; downloadMs: number }> {
  const start = performance.now();
  try {
    const object = await store.get({ bucket: source.bucket, key: source.key, maxBytes, signal });
    return { object, downloadMs: ms(start) };
  } catch (error) {
    if (error instanceof ObjectStoreError && !error.transient) {
      throw new PermanentFailure(error.code, error.message, undefined, error);
    }
    throw error;
  }
}

/** Classifies bytes; an image error (not an image, corrupt, too large) becomes a PermanentFailure. */
export async function classifyImage(
  classifier: Classifier,
  bytes: Uint8Array,
  options: ClassifyOptions,
  object?: StoredObject,
): Promise<ClassificationResult> {
  try {
    return await classifier.classify(bytes, options);
  } catch (error) {
    if (isImageError(error)) throw new PermanentFailure(error.code, error.message, object, error);
    throw error;
  }
}

/** The success document around a classification; `source` is null for bytes that came without a key. */
export function successDocument<S extends ResultSource | null>(
  source: S,
  result: ClassificationResult,
  downloadMs: number,
  meta: { requestId: string; processedAt: string },
): Omit<SuccessResult, 'source'> & { source: S } {
  return {
    version: RESULT_VERSION,
    status: 'ok',
    source,
    line: formatOriginalLine(result),
    model: result.model,
    backend: result.backend,
    decoder: result.decoder,
    predictions: result.predictions,
    image: result.image,
    timings: { downloadMs, ...result.timings },
    requestId: meta.requestId,
    processedAt: meta.processedAt,
  };
}

/** The attributes every structured line about one object carries. */
const recordAttributes = (target: ObjectToClassify, source: ResultSource, run: InvocationRun) => ({
  bucket: target.bucket,
  key: target.key,
  etag: source.etag,
  versionId: source.versionId,
  requestId: run.requestId,
  coldStart: run.isColdStart,
  trigger: run.trigger,
});

/** The object a result describes: the bytes read when there are any, else what the event said. */
export const sourceOf = (target: ObjectToClassify, object: StoredObject | undefined): ResultSource => ({
  bucket: target.bucket,
  key: target.key,
  etag: (object ? object.etag : target.etag) ?? null,
  versionId: (object ? object.versionId : target.versionId) ?? null,
  eventTime: target.eventTime ?? null,
});

/**
 * Classify-and-store for one object, as the upload trigger and Batch Operations both do it: the result
 * JSON (or an error result for a permanent failure) at `<RESULTS_PREFIX><key>.json`, one structured log
 * line, metrics. A transient failure (S3 5xx, network, a failed write, a bug) is thrown.
 */
export function createObjectClassification(deps: ObjectClassificationDeps) {
  const { store, logger, metrics, config, print, now } = deps;

  async function classifyAndStore(
    classifier: Classifier,
    target: ObjectToClassify,
    run: InvocationRun,
  ): Promise<ObjectOutcome> {
    const location = resultLocationFor(target, config);
    try {
      return await classified(classifier, target, location, run);
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      return failed(error, target, location, run);
    }
  }

  async function classified(
    classifier: Classifier,
    target: ObjectToClassify,
    location: ObjectLocation,
    run: InvocationRun,
  ): Promise<ObjectOutcome> {
    const { object, downloadMs } = await readImage(store, target, config.maxObjectBytes, run.signal);
    const result = await classifyImage(
      classifier,
      object.bytes,
      { topK: config.topK, minConfidence: config.minConfidence },
      object,
    );
    const doc: SuccessResult = successDocument(sourceOf(target, object), result, downloadMs, {
      requestId: run.requestId,
      processedAt: now().toISOString(),
    });
    print(doc.line);
    await writeResult(location, doc, run.signal);

    logger.info('classified', {
      ...recordAttributes(target, doc.source, run),
      backend: result.backend,
      decoder: result.decoder,
      model: result.model,
      topK: result.predictions.map((p) => ({
        classId: p.classId,
        label: p.label,
        probability: p.probability,
      })),
      image: result.image,
      timings: doc.timings,
      result: `s3://${location.bucket}/${location.key}`,
    });
    metrics.addMetric(METRIC.classified, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.duration, MetricUnit.Milliseconds, result.timings.totalMs);
    return { bucket: target.bucket, key: target.key, status: 'classified', result: location, line: doc.line };
  }

  async function failed(
    failure: PermanentFailure,
    target: ObjectToClassify,
    location: ObjectLocation,
    run: InvocationRun,
  ): Promise<ObjectOutcome> {
    const doc: ErrorResult = {
      version: RESULT_VERSION,
      status: 'error',
      source: sourceOf(target, failure.object),
      error: { code: failure.code, message: failure.message },
      requestId: run.requestId,
      processedAt: now().toISOString(),
    };
    // A failed write here is transient (or a permissions problem): it propagates and the work is retried.
    await writeResult(location, doc, run.signal);
    logger.warn('permanent failure: error result written, not retried', {
      ...recordAttributes(target, doc.source, run),
      errorCode: failure.code,
      error: messageOf(failure),
      result: `s3://${location.bucket}/${location.key}`,
    });
    metrics.addMetric(METRIC.permanent, MetricUnit.Count, 1);
    return {
      bucket: target.bucket,
      key: target.key,
      status: 'failed',
      result: location,
      code: failure.code,
      message: failure.message,
    };
  }

  async function writeResult(
    target: ObjectLocation,
    doc: ResultDocument,
    signal: AbortSignal,
  ): Promise<void> {
    await store.put({
      bucket: target.bucket,
      key: target.key,
      body: serializeResult(doc),
      contentType: 'application/json',
      metadata: resultMetadata(doc),
      signal,
    });
  }

  return { classifyAndStore };
}

export type ObjectClassification = ReturnType<typeof createObjectClassification>;
