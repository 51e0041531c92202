import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Classifier } from '../classifier';
import type { LambdaConfig } from './config';
import { runBeforeDeadline } from './deadline';
import { DeadlineError, type FailureCode, RetryableRecordsError } from './errors';
import { withInvocation } from './invocation';
import { codeOf, createObjectClassification, type InvocationRun } from './object-classification';
import type { ObjectStore } from './object-store';
import { type ObjectLocation, type SkipReason, skipReasonFor } from './result-key';
import { isObjectCreated, parseS3Event, type S3ObjectRecord } from './s3-event';
import { coldStartFlag, type LogSink, METRIC, type MetricsSink } from './telemetry';

export { type LogSink, METRIC, type MetricsSink } from './telemetry';

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
  /**
   * True on a container's first invocation. The handlers of one function share one (see router.ts), so
   * whichever event comes first is the cold one; each handler keeps its own by default.
   */
  isColdStart?: () => boolean;
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
  /** Why it failed, for a permanent failure. */
  message?: string;
}

export interface HandlerSummary {
  records: RecordOutcome[];
}

export type S3ClassifyHandler = (event: unknown, context: Context) => Promise<HandlerSummary>;

/** The parts every handler builds from its deps, with the defaults filled in. */
export function resolveDeps(deps: HandlerDeps) {
  return {
    ...deps,
    print: deps.print ?? ((line: string) => process.stdout.write(`${line}\n`)),
    now: deps.now ?? (() => new Date()),
    isColdStart: deps.isColdStart ?? coldStartFlag(),
  };
}

/**
 * Builds the S3-event handler from its parts: for each ObjectCreated record, read the object, classify
 * it, log the original line and one structured line, and write the result JSON. Permanent failures are
 * written as error results; transient ones are thrown, after the other records had their turn.
 */
export function createHandler(deps: HandlerDeps): S3ClassifyHandler {
  const resolved = resolveDeps(deps);
  const { logger, metrics, config } = resolved;
  const objects = createObjectClassification(resolved);

  return (event, context) =>
    withInvocation(resolved, context, async ({ model, itemRun }) => {
      const classifier = await model();
      const records = parseS3Event(event);
      const outcomes: RecordOutcome[] = [];
      const retry: Error[] = [];

      const stop = await runBeforeDeadline(records, context, async (record, signal) => {
        const run = itemRun(signal, 's3-event');
        const base = { index: record.index, bucket: record.bucket, key: record.key };
        try {
          outcomes.push(await processRecord(record, classifier, run));
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
      });
      if (stop) {
        const error = new DeadlineError(
          `stopped ${stop.remainingMs} ms before the deadline with ${stop.left.length} of ${records.length} records not processed (keeping a ${Math.round(stop.marginMs)} ms margin); they will be retried`,
        );
        logger.error(error.message, {
          errorCode: error.code,
          notProcessed: stop.left.map((r) => ({ bucket: r.bucket, key: r.key })),
        });
        outcomes.push(
          ...stop.left.map((r) => ({
            index: r.index,
            bucket: r.bucket,
            key: r.key,
            status: 'retry' as const,
            code: error.code,
          })),
        );
        retry.push(error);
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
    });

  async function processRecord(
    record: S3ObjectRecord,
    classifier: Classifier,
    run: InvocationRun,
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
    return { index: record.index, ...(await objects.classifyAndStore(classifier, record, run)) };
  }
}
