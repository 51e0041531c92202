import { reportTransient } from '../classified-report';
import { createClassifyAndStore } from '../classify-and-store';
import { type FailureCode, messageOf, PermanentFailure, RetryableRecordsError } from '../errors';
import { type HandlerDeps, resolveDeps } from '../handler-deps';
import { withInvocation } from '../invocation';
import { type ObjectLocation, type SkipReason, skipReasonFor } from '../result-key';
import { deadlineErrorFor, type ItemOutcome, runItems } from '../run-items';
import { isObjectCreated, parseS3Event, type S3ObjectRecord } from '../s3-event';
import { defineSource, isRecord, type SourceHandler } from './event-source';

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

export type S3NotificationHandler = SourceHandler<HandlerSummary>;

/**
 * The upload trigger (S3 event notifications): for each ObjectCreated record, read the object, classify
 * it, log the original line and one structured line, and write the result JSON. Permanent failures are
 * written as error results; transient ones are thrown, after the other records had their turn.
 */
export function createS3NotificationHandler(deps: HandlerDeps): S3NotificationHandler {
  const resolved = resolveDeps(deps);
  const { logger, config } = resolved;
  const { classifyAndStore } = createClassifyAndStore(resolved);

  return (event, context) =>
    withInvocation(resolved, context, async ({ model, itemRun }) => {
      const classifier = await model();
      const records = parseS3Event(event);

      const run = await runItems(
        records,
        context,
        async (record, signal): Promise<RecordOutcome> => {
          const base = { index: record.index, bucket: record.bucket, key: record.key };
          const reason = skipped(record);
          if (reason) return { ...base, status: 'skipped', reason };
          const stored = await classifyAndStore(classifier, record, itemRun(signal, 's3-event'));
          return { index: record.index, ...stored };
        },
        (outcome) => {
          if (outcome.status !== 'transient') return;
          reportTransient(resolved, 'transient failure: the event will be retried', {
            bucket: outcome.item.bucket,
            key: outcome.item.key,
            requestId: context.awsRequestId,
            errorCode: outcome.code,
            error: outcome.error as Error,
          });
        },
      );

      const retry: Error[] = run.outcomes.flatMap((o) =>
        o.status === 'transient' ? [o.error instanceof Error ? o.error : new Error(String(o.error))] : [],
      );
      if (run.stop) {
        const error = deadlineErrorFor(run.stop, records.length, {
          left: 'records not processed',
          retry: 'they will be retried',
        });
        logger.error(error.message, {
          errorCode: error.code,
          notProcessed: run.stop.left.map((r) => ({ bucket: r.bucket, key: r.key })),
        });
        retry.push(error);
      }

      const outcomes = run.outcomes.map(recordOutcome);
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

  /** Why a record is left alone, logged; undefined when it is to be classified. */
  function skipped(record: S3ObjectRecord): RecordOutcome['reason'] {
    const base = { index: record.index, bucket: record.bucket, key: record.key };
    if (!isObjectCreated(record)) {
      logger.debug('skipped: not an ObjectCreated event', { ...base, eventName: record.eventName });
      return 'not-object-created';
    }
    const reason = skipReasonFor(record, config);
    if (reason) logger.info(`skipped: ${reason}`, { ...base, reason });
    return reason;
  }
}

/** A record's line in the summary, from its outcome in the loop. */
function recordOutcome(outcome: ItemOutcome<S3ObjectRecord, RecordOutcome>): RecordOutcome {
  const { item } = outcome;
  const base = { index: item.index, bucket: item.bucket, key: item.key };
  switch (outcome.status) {
    case 'done':
      return outcome.value;
    case 'permanent': {
      const { error, code } = outcome;
      const result = error instanceof PermanentFailure ? error.result : undefined;
      return { ...base, status: 'failed', ...(result ? { result } : {}), code, message: messageOf(error) };
    }
    case 'transient':
      return { ...base, status: 'retry', code: outcome.code };
    case 'not-reached':
      return { ...base, status: 'retry', code: 'DEADLINE' };
  }
}

export const s3Notification = defineSource({
  kind: 's3-notification',
  constant: 'S3_NOTIFICATION',
  expects: 'an S3 notification (Records)',
  matches: (event) => isRecord(event) && Array.isArray(event.Records),
  create: createS3NotificationHandler,
});
