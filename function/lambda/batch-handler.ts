import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Classifier } from '../classifier';
import { type BatchResponse, type BatchResultCode, type BatchTask, parseBatchEvent } from './batch-event';
import { runBeforeDeadline } from './deadline';
import { BatchErrorCode, DeadlineError } from './errors';
import { type HandlerDeps, resolveDeps } from './handler';
import { withInvocation } from './invocation';
import { codeOf, createObjectClassification, type InvocationRun, messageOf } from './object-classification';
import { resultFreshness } from './result-freshness';
import { skipReasonFor } from './result-key';
import { decodeS3Key } from './s3-event';
import { METRIC } from './telemetry';

export type BatchHandler = (event: unknown, context: Context) => Promise<BatchResponse>;

/** How a task ended, read back from its result: `skipped` is a Succeeded task whose object was left alone. */
export type BatchTaskStatus = 'classified' | 'skipped' | 'failed' | 'retry';

// resultString starts with one of these words (or a failure code): the completion report stays greppable
// and the local backfill counts from it.
const SKIPPED = 'skipped';
const CLASSIFIED = 'classified';

// Batch Operations keeps resultString in its completion report; long S3 error messages are cut.
const MAX_RESULT_STRING = 1000;

/** The status of a task from the result the function returned for it. */
export function batchTaskStatus(result: BatchResponse['results'][number]): BatchTaskStatus {
  if (result.resultCode === 'TemporaryFailure') return 'retry';
  if (result.resultCode === 'PermanentFailure') return 'failed';
  return result.resultString.startsWith(SKIPPED) ? 'skipped' : 'classified';
}

/**
 * The job's userArguments (schema 2.0): `skipCurrent` = "true" leaves alone objects whose result already
 * describes their current etag (a re-run or a resumed job costs two HEADs per done object, no inference).
 */
export interface BatchArguments {
  skipCurrent: boolean;
}

export const BATCH_USER_ARGUMENTS = ['skipCurrent'] as const;

export function parseBatchArguments(
  args: Record<string, string>,
): { ok: true; value: BatchArguments } | { ok: false; message: string } {
  const unknown = Object.keys(args).filter(
    (name) => !(BATCH_USER_ARGUMENTS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `unknown userArguments ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: ${BATCH_USER_ARGUMENTS.join(', ')})`,
    };
  }
  const skip = args.skipCurrent?.trim().toLowerCase();
  if (skip !== undefined && skip !== 'true' && skip !== 'false') {
    return {
      ok: false,
      message: `userArguments.skipCurrent must be "true" or "false", got ${JSON.stringify(args.skipCurrent)}`,
    };
  }
  return { ok: true, value: { skipCurrent: skip === 'true' } };
}

const clip = (text: string): string =>
  text.length <= MAX_RESULT_STRING ? text : `${text.slice(0, MAX_RESULT_STRING - 1)}…`;

/**
 * Builds the S3 Batch Operations handler: each task's object is classified and its result written exactly
 * as an upload's would be, and the task answered Succeeded (classified, or skipped), PermanentFailure
 * (an error result was written, or the task cannot be run) or TemporaryFailure (Batch Operations retries
 * it). The function's own results are never classified. Tasks run in turn, stopping short of the deadline.
 */
export function createBatchHandler(deps: HandlerDeps): BatchHandler {
  const resolved = resolveDeps(deps);
  const { store, logger, metrics, config } = resolved;
  const objects = createObjectClassification(resolved);

  return (event, context) =>
    withInvocation(resolved, context, async ({ model, itemRun }) => {
      const classifier = await model();
      const batch = parseBatchEvent(event);
      const args = parseBatchArguments(batch.userArguments);
      const results: BatchResponse['results'] = [];

      if (!args.ok) {
        for (const task of batch.tasks) {
          results.push(
            answer(task, 'PermanentFailure', `${BatchErrorCode.INVALID_USER_ARGUMENTS}: ${args.message}`),
          );
        }
      } else {
        const stop = await runBeforeDeadline(batch.tasks, context, async (task, signal) => {
          const run = itemRun(signal, 's3-batch');
          results.push(await runTask(task, classifier, args.value, run, batch.jobId));
        });
        if (stop) {
          const error = new DeadlineError(
            `stopped ${stop.remainingMs} ms before the deadline with ${stop.left.length} of ${batch.tasks.length} tasks not run (keeping a ${Math.round(stop.marginMs)} ms margin); Batch Operations will retry them`,
          );
          logger.error(error.message, {
            errorCode: error.code,
            jobId: batch.jobId,
            notRun: stop.left.map((t) => t.taskId),
          });
          for (const t of stop.left)
            results.push(answer(t, 'TemporaryFailure', `${error.code}: ${error.message}`));
        }
      }

      logger.info('batch tasks answered', {
        jobId: batch.jobId,
        invocationId: batch.invocationId,
        invocationSchemaVersion: batch.schemaVersion,
        requestId: context.awsRequestId,
        results: results.map((r) => ({ taskId: r.taskId, resultCode: r.resultCode })),
      });
      return {
        invocationSchemaVersion: batch.schemaVersion,
        treatMissingKeysAs: 'PermanentFailure',
        invocationId: batch.invocationId,
        results,
      };
    });

  async function runTask(
    task: BatchTask,
    classifier: Classifier,
    args: BatchArguments,
    run: InvocationRun,
    jobId: string,
  ): Promise<BatchResponse['results'][number]> {
    let key: string;
    try {
      key = decodeS3Key(task.encodedKey);
    } catch (error) {
      const message = messageOf(error);
      logger.warn('batch task refused: bad key', { jobId, taskId: task.taskId, encodedKey: task.encodedKey });
      return answer(task, 'PermanentFailure', `${BatchErrorCode.INVALID_KEY}: ${message}`);
    }
    const source = { bucket: task.bucket, key };
    const where = `s3://${source.bucket}/${source.key}`;
    // Only the function's own results are refused; the upload prefix is the trigger's filter, whereas a
    // job's manifest is an explicit choice of objects (reading them still needs the function's IAM grant).
    if (skipReasonFor(source, config) === 'result-object') {
      logger.info('skipped: result-object', { bucket: source.bucket, key, jobId, taskId: task.taskId });
      return answer(task, 'Succeeded', `${SKIPPED}: ${where} is a result object, never classified`);
    }
    try {
      if (args.skipCurrent) {
        const freshness = await resultFreshness(store, source, config, { signal: run.signal });
        if (freshness.current) {
          const result = `s3://${freshness.result.bucket}/${freshness.result.key}`;
          logger.info('skipped: result is current', {
            bucket: source.bucket,
            key,
            etag: freshness.etag,
            result,
            jobId,
            taskId: task.taskId,
          });
          return answer(
            task,
            'Succeeded',
            `${SKIPPED}: ${result} is current (source etag ${freshness.etag})`,
          );
        }
      }
      // The object's current bytes are classified even when the manifest names a version: a result
      // describes its key's current object, and a stale version must not overwrite it.
      const outcome = await objects.classifyAndStore(
        classifier,
        { ...source, versionId: task.versionId },
        run,
      );
      const result = `s3://${outcome.result.bucket}/${outcome.result.key}`;
      return outcome.status === 'classified'
        ? answer(task, 'Succeeded', `${CLASSIFIED} ${outcome.line} -> ${result}`)
        : answer(task, 'PermanentFailure', `${outcome.code}: ${outcome.message}; error result ${result}`);
    } catch (error) {
      const code = codeOf(error);
      logger.error('transient failure: Batch Operations will retry the task', {
        bucket: source.bucket,
        key,
        jobId,
        taskId: task.taskId,
        requestId: run.requestId,
        errorCode: code,
        error: error as Error,
      });
      metrics.addMetric(METRIC.transient, MetricUnit.Count, 1);
      return answer(task, 'TemporaryFailure', `${code}: ${messageOf(error)}`);
    }
  }
}

const answer = (task: BatchTask, resultCode: BatchResultCode, resultString: string) => ({
  taskId: task.taskId,
  resultCode,
  resultString: clip(resultString),
});
