import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Event } from 'aws-lambda';
import type { S3BatchEventV2 } from '../../../function/lambda/batch-event';
import { encodeS3Key } from '../../../function/lambda/s3-event';

const EVENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'events');
const cache = new Map<string, string>();

export const eventPath = (name: string): string => path.join(EVENTS_DIR, `${name}.json`);

export type FixtureName =
  | 's3-put'
  | 's3-put-multi'
  | 's3-batch-v1'
  | 's3-batch-v2'
  | 'function-url'
  | 'rekognition-detect-labels';

/**
 * An event fixture from events/ (the same files `sam local invoke -e` uses), as a fresh copy: a test may
 * change it without touching the next test's.
 */
export function loadFixture<T = Record<string, unknown>>(name: FixtureName): T {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(eventPath(name), 'utf8');
    cache.set(name, text);
  }
  return JSON.parse(text) as T;
}

/** An S3 notification fixture. */
export const loadEvent = (name: 's3-put' | 's3-put-multi'): S3Event => loadFixture<S3Event>(name);

/** The first record of a fixture, changed by `edit` (bucket, encoded key, eventName ...). */
export function singleRecordEvent(edit: (record: S3Event['Records'][number]) => void = () => {}): S3Event {
  const event = loadEvent('s3-put');
  const [record] = event.Records;
  if (!record) throw new Error('events/s3-put.json has no record');
  edit(record);
  return event;
}

/** An S3 notification for these keys, as Lambda delivers it (keys URL-encoded), built from the fixture's record. */
export function eventForKeys(keys: string[]): S3Event {
  const [record] = loadEvent('s3-put').Records;
  if (!record) throw new Error('events/s3-put.json has no record');
  return {
    Records: keys.map((key) => ({
      ...structuredClone(record),
      s3: {
        ...structuredClone(record.s3),
        object: { key: encodeS3Key(key), size: 1, eTag: 'x', sequencer: '0' },
      },
    })),
  };
}

/** A schema 2.0 Batch Operations event with one task per key in `bucket`, as a local emulation of a job would send it. */
export function batchEventForKeys(
  bucket: string,
  keys: string[],
  userArguments?: Record<string, string>,
): S3BatchEventV2 {
  return {
    invocationSchemaVersion: '2.0',
    invocationId: 'invocation-1',
    job: { id: 'job-1', ...(userArguments ? { userArguments } : {}) },
    tasks: keys.map((key, i) => ({
      taskId: `task-${i}`,
      s3Bucket: bucket,
      s3Key: encodeS3Key(key),
      s3VersionId: null,
    })),
  };
}
