import * as z from 'zod';
import { parseEventWith } from './event-schema';

/**
 * S3 Batch Operations invocation events (the LambdaInvoke operation). Schema 1.0 names the bucket by ARN;
 * 2.0 by name and adds the job's userArguments. Keys arrive URL-encoded as in S3 notifications (a space
 * as `+`), so they are decoded with the same decodeS3Key.
 */

export const BATCH_SCHEMA_VERSIONS = ['1.0', '2.0'] as const;
export type BatchSchemaVersion = (typeof BATCH_SCHEMA_VERSIONS)[number];

export interface BatchTask {
  index: number;
  taskId: string;
  bucket: string;
  /** As the event carried it; decoded per task, so one bad key fails only its own task. */
  encodedKey: string;
  versionId: string | undefined;
}

export interface BatchEvent {
  schemaVersion: BatchSchemaVersion;
  invocationId: string;
  jobId: string;
  /** Schema 2.0 only; empty otherwise. */
  userArguments: Record<string, string>;
  tasks: BatchTask[];
}

export type BatchResultCode = 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure';

/** What the function returns to Batch Operations: one result per task, in the event's order. */
export interface BatchResponse {
  invocationSchemaVersion: BatchSchemaVersion;
  /** What Batch Operations records for a task missing from `results`. */
  treatMissingKeysAs: BatchResultCode;
  invocationId: string;
  results: Array<{ taskId: string; resultCode: BatchResultCode; resultString: string }>;
}

const common = {
  invocationId: z.string().min(1),
  job: z.object({ id: z.string().min(1) }),
};
const taskCommon = {
  taskId: z.string().min(1),
  s3Key: z.string().min(1),
  s3VersionId: z.string().nullish(),
};
const eventSchema = z.discriminatedUnion('invocationSchemaVersion', [
  z.object({
    invocationSchemaVersion: z.literal('1.0'),
    ...common,
    // e.g. arn:aws:s3:::bucket (older examples carry a region and account: the name is the last part)
    tasks: z.array(
      z.object({ ...taskCommon, s3BucketArn: z.string().regex(/^arn:[^:]+:s3:[^:]*:[^:]*:[^:/]+$/) }),
    ),
  }),
  z.object({
    invocationSchemaVersion: z.literal('2.0'),
    ...common,
    job: z.object({ id: z.string().min(1), userArguments: z.record(z.string(), z.string()).nullish() }),
    tasks: z.array(z.object({ ...taskCommon, s3Bucket: z.string().min(1) })),
  }),
]);

/** Reads an S3 Batch Operations event (schema 1.0 or 2.0); anything else is an InvalidEventError. */
export function parseBatchEvent(event: unknown): BatchEvent {
  const e = parseEventWith(eventSchema, event, 'an S3 Batch Operations event (schema 1.0 or 2.0)');
  const tasks: BatchTask[] = e.tasks.map((task, index) => ({
    index,
    taskId: task.taskId,
    bucket: 's3Bucket' in task ? task.s3Bucket : (task.s3BucketArn.split(':').pop() ?? ''),
    encodedKey: task.s3Key,
    versionId: task.s3VersionId ?? undefined,
  }));
  return {
    schemaVersion: e.invocationSchemaVersion,
    invocationId: e.invocationId,
    jobId: e.job.id,
    userArguments: (e.invocationSchemaVersion === '2.0' ? e.job.userArguments : undefined) ?? {},
    tasks,
  };
}

/** A schema 2.0 event as Batch Operations sends it (the 1.0 shape is @types/aws-lambda's S3BatchEvent). */
export interface S3BatchEventV2 {
  invocationSchemaVersion: '2.0';
  invocationId: string;
  job: { id: string; userArguments?: Record<string, string> | null };
  tasks: Array<{ taskId: string; s3Key: string; s3VersionId: string | null; s3Bucket: string }>;
}
