import { type Classifier, ErrorCode } from '../../classifier';
import { type BatchResponse, type BatchResultCode, type BatchTask, parseBatchEvent } from '../batch-event';
import { reportTransient } from '../classified-report';
import { createClassifyAndStore } from '../classify-and-store';
import { type DeadlineError, messageOf, PermanentFailure } from '../errors';
import { type HandlerDeps, resolveDeps } from '../handler-deps';
import { type InvocationRun, withInvocation } from '../invocation';
import { resultFreshness } from '../result-freshness';
import { skipReasonFor } from '../result-key';
import { deadlineErrorFor, type ItemOutcome, runItems } from '../run-items';
import { decodeS3Key } from '../s3-event';
import { defineSource, isRecord, type SourceHandler } from './event-source';

/** How a task ended, read back from its result: `skipped` is a Succeeded task whose object was left alone. */
export type BatchTaskStatus = 'classified' | 'skipped' | 'failed' | 'retry';

type TaskResult = BatchResponse['results'][number];

// resultString starts with one of these words (or a failure code): the completion report stays greppable
// and the local backfill counts from it.
const SKIPPED = 'skipped';
const CLASSIFIED = 'classified';

// Batch Operations keeps resultString in its completion report; long S3 error messages are cut.
const MAX_RESULT_STRING = 1000;

/** The status of a task from the result the function returned for it. */
export function batchTaskStatus(result: TaskResult): BatchTaskStatus {
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

const answer = (task: BatchTask, resultCode: BatchResultCode, resultString: string): TaskResult => ({
  taskId: task.taskId,
  resultCode,
  resultString: clip(resultString),
});

/**
 * The S3 Batch Operations handler: each task's object is classified and its result written exactly as an
 * upload's would be, and the task answered Succeeded (classified, or skipped), PermanentFailure (an error
 * result was written, or the task cannot be run) or TemporaryFailure (Batch Operations retries it). The
 * function's own results are never classified. Tasks run in turn, stopping short of the deadline.
 */
export function createBatchHandler(deps: HandlerDeps): SourceHandler<BatchResponse> {
  const resolved = resolveDeps(deps);
  const { store, logger, config } = resolved;
  const { classifyAndStore } = createClassifyAndStore(resolved);

  return (event, context) =>
    withInvocation(resolved, context, async ({ model, itemRun }) => {
      const classifier = await model();
      const batch = parseBatchEvent(event);
      const args = parseBatchArguments(batch.userArguments);
      let results: TaskResult[];

      if (!args.ok) {
        results = batch.tasks.map((task) =>
          answer(task, 'PermanentFailure', `${ErrorCode.INVALID_USER_ARGUMENTS}: ${args.message}`),
        );
      } else {
        const run = await runItems(
          batch.tasks,
          context,
          (task, signal) => runTask(task, args.value, classifier, itemRun(signal, 's3-batch'), batch.jobId),
          (outcome) => {
            if (outcome.status !== 'transient') return;
            reportTransient(resolved, 'transient failure: Batch Operations will retry the task', {
              ...where(outcome.item),
              jobId: batch.jobId,
              taskId: outcome.item.taskId,
              requestId: context.awsRequestId,
              errorCode: outcome.code,
              error: outcome.error as Error,
            });
          },
        );
        let deadline: DeadlineError | undefined;
        if (run.stop) {
          deadline = deadlineErrorFor(run.stop, batch.tasks.length, {
            left: 'tasks not run',
            retry: 'Batch Operations will retry them',
          });
          logger.error(deadline.message, {
            errorCode: deadline.code,
            jobId: batch.jobId,
            notRun: run.stop.left.map((t) => t.taskId),
          });
        }
        results = run.outcomes.map((outcome) => taskResult(outcome, deadline));
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
    args: BatchArguments,
    classifier: Classifier,
    run: InvocationRun,
    jobId: string,
  ): Promise<TaskResult> {
    let key: string;
    try {
      key = decodeS3Key(task.encodedKey);
    } catch (error) {
      logger.warn('batch task refused: bad key', { jobId, taskId: task.taskId, encodedKey: task.encodedKey });
      throw new PermanentFailure(ErrorCode.INVALID_KEY, messageOf(error), { cause: error });
    }
    const source = { bucket: task.bucket, key };
    // Only the function's own results are refused; the upload prefix is the trigger's filter, whereas a
    // job's manifest is an explicit choice of objects (reading them still needs the function's IAM grant).
    if (skipReasonFor(source, config) === 'result-object') {
      logger.info('skipped: result-object', { bucket: source.bucket, key, jobId, taskId: task.taskId });
      return answer(
        task,
        'Succeeded',
        `${SKIPPED}: s3://${source.bucket}/${key} is a result object, never classified`,
      );
    }
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
        return answer(task, 'Succeeded', `${SKIPPED}: ${result} is current (source etag ${freshness.etag})`);
      }
    }
    // The object's current bytes are classified even when the manifest names a version: a result
    // describes its key's current object, and a stale version must not overwrite it.
    const outcome = await classifyAndStore(classifier, { ...source, versionId: task.versionId }, run);
    return answer(
      task,
      'Succeeded',
      `${CLASSIFIED} ${outcome.line} -> s3://${outcome.result.bucket}/${outcome.result.key}`,
    );
  }
}

/** The bucket and key a task names, decoded when its key decodes (for log lines). */
function where(task: BatchTask): { bucket: string; key: string } {
  try {
    return { bucket: task.bucket, key: decodeS3Key(task.encodedKey) };
  } catch {
    return { bucket: task.bucket, key: task.encodedKey };
  }
}

/** A task's answer to Batch Operations, from its outcome in the loop. */
function taskResult(
  outcome: ItemOutcome<BatchTask, TaskResult>,
  deadline: DeadlineError | undefined,
): TaskResult {
  const task = outcome.item;
  switch (outcome.status) {
    case 'done':
      return outcome.value;
    case 'permanent': {
      const failure = outcome.error;
      const stored =
        failure instanceof PermanentFailure && failure.result
          ? `; error result s3://${failure.result.bucket}/${failure.result.key}`
          : '';
      return answer(task, 'PermanentFailure', `${outcome.code}: ${messageOf(failure)}${stored}`);
    }
    case 'transient':
      return answer(task, 'TemporaryFailure', `${outcome.code}: ${messageOf(outcome.error)}`);
    case 'not-reached':
      return answer(
        task,
        'TemporaryFailure',
        `${ErrorCode.DEADLINE}: ${deadline?.message ?? 'not run before the deadline'}`,
      );
  }
}

export const s3Batch = defineSource({
  kind: 's3-batch',
  constant: 'S3_BATCH',
  expects: 'an S3 Batch Operations invocation (invocationSchemaVersion, tasks)',
  matches: (event) =>
    isRecord(event) && typeof event.invocationSchemaVersion === 'string' && Array.isArray(event.tasks),
  create: createBatchHandler,
});
