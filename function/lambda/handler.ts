import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { type Classifier, formatOriginalLine, isImageError, LambdaVisionError } from '../classifier';
import type { LambdaConfig } from './config';
import {
  DeadlineError,
  type FailureCode,
  ObjectStoreError,
  RecordErrorCode,
  RetryableRecordsError,
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
import { type ObjectLocation, resultLocationFor, type SkipReason, skipReasonFor } from './result-key';
import { isObjectCreated, parseS3Event, type S3ObjectRecord } from './s3-event';

/** The part of Powertools' Logger the handler uses; tests hand in a recorder. */
export interface LogSink {
  debug(message: string, attributes: LogAttributes): void;
  info(message: string, attributes: LogAttributes): void;
  warn(message: string, attributes: LogAttributes): void;
  error(message: string, attributes: LogAttributes): void;
  critical(message: string, attributes: LogAttributes): void;
  addContext(context: Context): void;
}

type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The part of Powertools' Metrics (CloudWatch EMF) the handler uses. */
export interface MetricsSink {
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
  captureColdStartMetric(functionName?: string): unknown;
  publishStoredMetrics(): unknown;
}

export interface HandlerDeps {
  store: ObjectStore;
  /** A promise when the model is still loading from init: the handler waits for it. */
  classifier: Classifier | Promise<Classifier>;
  logger: LogSink;
  metrics: MetricsSink;
  config: LambdaConfig;
  /** Where the original `score=… classid=… human=…` line goes; stdout by default. */
  print?: (line: string) => void;
  now?: () => Date;
}

export type RecordStatus = 'classified' | 'failed' | 'skipped' | 'retry';

export interface RecordOutcome {
  index: number;
  bucket: string;
  key: string;
  status: RecordStatus;
  /** Where the result (or error result) was written. */
  result?: ObjectLocation;
  code?: FailureCode;
  reason?: SkipReason | 'not-object-created';
  line?: string;
}

export interface HandlerSummary {
  records: RecordOutcome[];
}

export type S3ClassifyHandler = (event: unknown, context: Context) => Promise<HandlerSummary>;

export const METRIC = {
  classified: 'ImagesClassified',
  duration: 'ClassificationDuration',
  permanent: 'PermanentFailures',
  transient: 'TransientFailures',
} as const;

// Stop this long (at least) before Lambda's deadline, so the retry sees a clean failure rather than a
// timeout in the middle of a write. Grows with the slowest record seen in the invocation.
const MIN_DEADLINE_MARGIN_MS = 1000;
const DEADLINE_MARGIN_FACTOR = 1.5;

const ms = (start: number): number => Math.round((performance.now() - start) * 100) / 100;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A permanent failure of one record: recorded as an error result, never retried. */
class PermanentFailure extends Error {
  readonly code: FailureCode;
  readonly object: StoredObject | undefined;
  constructor(code: FailureCode, message: string, object: StoredObject | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'PermanentFailure';
    this.code = code;
    this.object = object;
  }
}

/** The object a result describes: the bytes read when there are any, else what the event said. */
const sourceOf = (record: S3ObjectRecord, object: StoredObject | undefined): ResultSource => ({
  bucket: record.bucket,
  key: record.key,
  etag: (object ? object.etag : record.etag) ?? null,
  versionId: (object ? object.versionId : record.versionId) ?? null,
  eventTime: record.eventTime ?? null,
});

function codeOf(error: unknown): FailureCode {
  if (error instanceof ObjectStoreError || error instanceof DeadlineError) return error.code;
  if (error instanceof LambdaVisionError) return error.code;
  return RecordErrorCode.UNEXPECTED;
}

/**
 * Builds the S3-event handler from its parts: for each ObjectCreated record, read the object, classify
 * it, log the original line and one structured line, and write the result JSON. Permanent failures are
 * written as error results; transient ones are thrown, after the other records had their turn.
 */
export function createHandler(deps: HandlerDeps): S3ClassifyHandler {
  const { store, logger, metrics, config } = deps;
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = deps.now ?? (() => new Date());
  let coldStart = true;

  return async function handler(event, context) {
    const isColdStart = coldStart;
    coldStart = false;
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    try {
      let classifier: Classifier;
      try {
        classifier = await deps.classifier;
      } catch (error) {
        // Nothing the images did: thrown, so the event is retried once the deployment is fixed.
        logger.critical('the model could not be loaded at init', {
          errorCode: codeOf(error),
          modelDir: config.modelDir,
          error: error as Error,
        });
        throw error;
      }
      const records = parseS3Event(event);
      const outcomes: RecordOutcome[] = [];
      const retry: Error[] = [];
      let slowestMs = 0;

      for (const record of records) {
        const margin = Math.max(MIN_DEADLINE_MARGIN_MS, slowestMs * DEADLINE_MARGIN_FACTOR);
        const remaining = context.getRemainingTimeInMillis();
        if (remaining < margin) {
          const left = records.slice(record.index);
          const error = new DeadlineError(
            `stopped ${remaining} ms before the deadline with ${left.length} of ${records.length} records not processed (keeping a ${Math.round(margin)} ms margin); they will be retried`,
          );
          logger.error(error.message, {
            errorCode: error.code,
            notProcessed: left.map((r) => ({ bucket: r.bucket, key: r.key })),
          });
          outcomes.push(
            ...left.map((r) => ({
              index: r.index,
              bucket: r.bucket,
              key: r.key,
              status: 'retry' as const,
              code: error.code,
            })),
          );
          retry.push(error);
          break;
        }
        const started = performance.now();
        const signal = AbortSignal.timeout(Math.max(1, remaining - MIN_DEADLINE_MARGIN_MS));
        const base = { index: record.index, bucket: record.bucket, key: record.key };
        try {
          outcomes.push(
            await processRecord(record, classifier, { requestId: context.awsRequestId, isColdStart, signal }),
          );
        } catch (error) {
          const code = codeOf(error);
          logger.error('transient failure: the event will be retried', {
            bucket: record.bucket,
            key: record.key,
            requestId: context.awsRequestId,
            errorCode: code,
            error: error as Error,
          });
          metrics.addMetric(METRIC.transient, MetricUnit.Count, 1);
          outcomes.push({ ...base, status: 'retry', code });
          retry.push(error instanceof Error ? error : new Error(String(error)));
        }
        slowestMs = Math.max(slowestMs, performance.now() - started);
      }

      if (retry.length > 0) {
        const keys = outcomes
          .filter((o) => o.status === 'retry')
          .map((o) => `s3://${o.bucket}/${o.key} (${o.code})`);
        throw new RetryableRecordsError(
          retry,
          `${keys.length} of ${records.length} records failed transiently: ${keys.join(', ')}`,
        );
      }
      return { records: outcomes };
    } finally {
      metrics.publishStoredMetrics();
    }
  };

  async function processRecord(
    record: S3ObjectRecord,
    classifier: Classifier,
    invocation: { requestId: string; isColdStart: boolean; signal: AbortSignal },
  ): Promise<RecordOutcome> {
    const base = { index: record.index, bucket: record.bucket, key: record.key };
    if (!isObjectCreated(record)) {
      logger.debug('skipped: not an ObjectCreated event', { ...base, eventName: record.eventName });
      return { ...base, status: 'skipped', reason: 'not-object-created' };
    }
    const reason = skipReasonFor(record, config);
    if (reason) {
      logger.info(`skipped: ${reason}`, { ...base, reason });
      return { ...base, status: 'skipped', reason };
    }
    const target = resultLocationFor(record, config);
    const context = { record, target, ...invocation };
    try {
      return await classifyRecord(classifier, context);
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      return recordPermanentFailure(error, context);
    }
  }

  interface RecordContext {
    record: S3ObjectRecord;
    target: ObjectLocation;
    requestId: string;
    isColdStart: boolean;
    signal: AbortSignal;
  }

  async function classifyRecord(classifier: Classifier, ctx: RecordContext): Promise<RecordOutcome> {
    const { record, target } = ctx;
    const downloadStart = performance.now();
    let object: StoredObject;
    try {
      object = await store.get({
        bucket: record.bucket,
        key: record.key,
        maxBytes: config.maxObjectBytes,
        signal: ctx.signal,
      });
    } catch (error) {
      if (error instanceof ObjectStoreError && !error.transient) {
        throw new PermanentFailure(error.code, error.message, undefined, error);
      }
      throw error;
    }
    const downloadMs = ms(downloadStart);

    let result: Awaited<ReturnType<Classifier['classify']>>;
    try {
      result = await classifier.classify(object.bytes, {
        topK: config.topK,
        minConfidence: config.minConfidence,
      });
    } catch (error) {
      if (isImageError(error)) throw new PermanentFailure(error.code, error.message, object, error);
      throw error;
    }
    const line = formatOriginalLine(result);
    print(line);

    const doc: SuccessResult = {
      version: RESULT_VERSION,
      status: 'ok',
      source: sourceOf(record, object),
      line,
      model: result.model,
      backend: result.backend,
      predictions: result.predictions,
      image: result.image,
      timings: { downloadMs, ...result.timings },
      requestId: ctx.requestId,
      processedAt: now().toISOString(),
    };
    await writeResult(target, doc, ctx.signal);

    logger.info('classified', {
      bucket: record.bucket,
      key: record.key,
      etag: doc.source.etag,
      versionId: doc.source.versionId,
      requestId: ctx.requestId,
      coldStart: ctx.isColdStart,
      backend: result.backend,
      model: result.model,
      topK: result.predictions.map((p) => ({
        classId: p.classId,
        label: p.label,
        probability: p.probability,
      })),
      image: result.image,
      timings: doc.timings,
      result: `s3://${target.bucket}/${target.key}`,
    });
    metrics.addMetric(METRIC.classified, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.duration, MetricUnit.Milliseconds, result.timings.totalMs);
    return {
      index: record.index,
      bucket: record.bucket,
      key: record.key,
      status: 'classified',
      result: target,
      line,
    };
  }

  async function recordPermanentFailure(
    failure: PermanentFailure,
    ctx: RecordContext,
  ): Promise<RecordOutcome> {
    const { record, target } = ctx;
    const doc: ErrorResult = {
      version: RESULT_VERSION,
      status: 'error',
      source: sourceOf(record, failure.object),
      error: { code: failure.code, message: failure.message },
      requestId: ctx.requestId,
      processedAt: now().toISOString(),
    };
    // A failed write here is transient (or a permissions problem): it propagates and the event is retried.
    await writeResult(target, doc, ctx.signal);
    logger.warn('permanent failure: error result written, not retried', {
      bucket: record.bucket,
      key: record.key,
      etag: doc.source.etag,
      versionId: doc.source.versionId,
      requestId: ctx.requestId,
      coldStart: ctx.isColdStart,
      errorCode: failure.code,
      error: messageOf(failure),
      result: `s3://${target.bucket}/${target.key}`,
    });
    metrics.addMetric(METRIC.permanent, MetricUnit.Count, 1);
    return {
      index: record.index,
      bucket: record.bucket,
      key: record.key,
      status: 'failed',
      result: target,
      code: failure.code,
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
}
