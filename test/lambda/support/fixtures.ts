import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Event } from 'aws-lambda';

const EVENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'events');
const cache = new Map<string, string>();

export const eventPath = (name: string): string => path.join(EVENTS_DIR, `${name}.json`);

export type FixtureName = 's3-put' | 's3-put-multi' | 's3-batch-v1' | 's3-batch-v2' | 'function-url';

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
