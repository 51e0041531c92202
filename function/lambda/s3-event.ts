import * as z from 'zod';
import { InvalidEventError } from './errors';
import { parseEventWith } from './event-schema';

/** One record of an S3 notification, with the key decoded. */
export interface S3ObjectRecord {
  /** Position in the event's Records, for logs. */
  index: number;
  eventName: string;
  eventTime: string | undefined;
  bucket: string;
  /** The object's real key, e.g. `uploads/my+photo 1.jpg`. */
  key: string;
  /** The key as the event carried it, e.g. `uploads/my%2Bphoto+1.jpg`. */
  encodedKey: string;
  size: number | undefined;
  etag: string | undefined;
  versionId: string | undefined;
}

// Only what the function reads is checked; the rest of the record passes through untouched.
const recordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
    }),
  }),
});
const eventSchema = z.object({ Records: z.array(recordSchema) });

/**
 * S3 event keys are URL-encoded the way HTML forms are: a space arrives as `+`, a real `+` as `%2B`.
 * (The same decoding as middy's event-normalizer.)
 */
export function decodeS3Key(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (cause) {
    throw new InvalidEventError(`object key ${JSON.stringify(encoded)} is not URL-encoded as S3 sends keys`, {
      cause,
    });
  }
}

/** Encodes a key as S3 puts it in an event (the inverse of decodeS3Key); `/` stays as it is. */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%20/g, '+'))
    .join('/');
}

export const isObjectCreated = (record: Pick<S3ObjectRecord, 'eventName'>): boolean =>
  record.eventName.startsWith('ObjectCreated:');

/** Reads the records of an S3 notification event; anything else is an InvalidEventError. */
export function parseS3Event(event: unknown): S3ObjectRecord[] {
  const data = parseEventWith(eventSchema, event, 'an S3 event notification');
  return data.Records.map((record, index) => {
    const { bucket, object } = record.s3;
    return {
      index,
      eventName: record.eventName,
      eventTime: record.eventTime,
      bucket: bucket.name,
      key: decodeS3Key(object.key),
      encodedKey: object.key,
      size: object.size,
      etag: object.eTag,
      versionId: object.versionId,
    };
  });
}
