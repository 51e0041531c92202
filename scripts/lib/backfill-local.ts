import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import {
  type BatchResponse,
  type BatchTaskStatus,
  batchTaskStatus,
  encodeS3Key,
  type S3BatchEventV2,
} from '../../function/lambda';
import { type BackfillS3, type ListedObject, listObjects } from './backfill-listing';
import { localContext } from './local-context';

export interface LocalBackfillOptions {
  bucket: string;
  prefix: string;
  /** Classify objects whose result is already current too. */
  force: boolean;
  /** Objects in flight at once (S3 reads overlap inference); at least 1. */
  concurrency: number;
  /** Aborting stops taking new objects; those in flight finish (each result is one atomic PUT). */
  signal?: AbortSignal;
  onListed?: (total: number) => void;
  onObject?: (done: ObjectDone) => void;
}

export interface LocalBackfillDeps {
  s3: BackfillS3;
  /**
   * The function's handler (router), as deployed: it gets the events a Batch Operations job sends. The
   * command's is a pool of workers, each with its own instance of it (backfill-command.ts).
   */
  handler: (event: S3BatchEventV2, context: Context) => Promise<BatchResponse>;
  /** Key prefixes never listed: the function's results. */
  exclude: string[];
  functionName?: string;
}

export interface ObjectDone {
  key: string;
  status: BatchTaskStatus;
  resultString: string;
  done: number;
  total: number;
}

export interface BackfillSummary {
  total: number;
  classified: number;
  skipped: number;
  failed: number;
  retry: number;
  /** Listed but not started, because the run was interrupted. */
  notRun: number;
  interrupted: boolean;
  seconds: number;
  /** Permanent and temporary failures, with the result string the function gave. */
  problems: Array<{ key: string; status: 'failed' | 'retry'; resultString: string }>;
}

/**
 * `npm run backfill` without AWS: what an S3 Batch Operations job does, here. Lists the prefix, then sends
 * the function one schema 2.0 invocation per object (one task each, as Batch Operations does), with
 * userArguments skipCurrent=true unless forced: objects whose result already matches their etag are
 * left alone, so a run that was interrupted resumes where it stopped.
 */
export async function runLocalBackfill(
  options: LocalBackfillOptions,
  deps: LocalBackfillDeps,
): Promise<BackfillSummary> {
  const started = performance.now();
  const objects: ListedObject[] = [];
  for await (const object of listObjects(deps.s3, options.bucket, options.prefix, deps.exclude)) {
    if (options.signal?.aborted) break;
    objects.push(object);
  }
  options.onListed?.(objects.length);
  const summary: BackfillSummary = {
    total: objects.length,
    classified: 0,
    skipped: 0,
    failed: 0,
    retry: 0,
    notRun: 0,
    interrupted: false,
    seconds: 0,
    problems: [],
  };
  const jobId = `local-${randomUUID()}`;
  const functionName = deps.functionName ?? 'lambdavision-backfill';
  let next = 0;
  let done = 0;

  async function worker(): Promise<void> {
    while (next < objects.length && !options.signal?.aborted) {
      const index = next++;
      const object = objects[index] as ListedObject;
      const event: S3BatchEventV2 = {
        invocationSchemaVersion: '2.0',
        invocationId: randomUUID(),
        job: { id: jobId, userArguments: { skipCurrent: options.force ? 'false' : 'true' } },
        tasks: [
          {
            taskId: `task-${index}`,
            s3Bucket: options.bucket,
            s3Key: encodeS3Key(object.key),
            s3VersionId: null,
          },
        ],
      };
      const response = await deps.handler(event, localContext(functionName));
      const [result] = response.results;
      if (!result)
        throw new Error(`the function answered no result for s3://${options.bucket}/${object.key}`);
      const status = batchTaskStatus(result);
      summary[status] += 1;
      if (status === 'failed' || status === 'retry') {
        summary.problems.push({ key: object.key, status, resultString: result.resultString });
      }
      done += 1;
      options.onObject?.({
        key: object.key,
        status,
        resultString: result.resultString,
        done,
        total: objects.length,
      });
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  summary.notRun = objects.length - done;
  summary.interrupted = options.signal?.aborted === true;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
