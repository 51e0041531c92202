import { ErrorCode } from '../classifier';
import type { LambdaConfig } from './config';
import { PermanentFailure } from './errors';
import type { ObjectStore, StoredObject } from './object-store';
import { readImage } from './read-and-classify';
import type { ObjectLocation } from './result-key';

/**
 * On-demand reads of S3 objects a caller names. The function reads them with its own role, so without a
 * limit a caller who may only call the endpoint would learn, of every object that role can read, whether
 * it exists (404 or 403), its labels, size, etag and version: a confused deputy. Every on-demand source
 * (the Function URL, a Rekognition-protocol request, ...) reads through `readOnDemandImage` and answers
 * failures with `callerAnswer`:
 *
 * - keys outside the operator's prefixes (ON_DEMAND_PREFIXES) are never read;
 * - such keys, missing objects and objects S3 refuses to the function all answer the same 404 body;
 * - bodies carry a short message and the request id; S3's own error text (which names the function's role
 *   ARN and the account) goes to the log only.
 */

/** Whether the endpoint may read this key: under one of the prefixes, and no `.` or `..` path segment. */
export function mayReadOnDemand(key: string, prefixes: readonly string[]): boolean {
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) return false;
  return prefixes.some((prefix) => key.startsWith(prefix));
}

/** Reads an image a caller named; outside the prefixes it fails exactly as a missing object would. */
export async function readOnDemandImage(
  store: ObjectStore,
  target: ObjectLocation,
  config: Pick<LambdaConfig, 'onDemandPrefixes' | 'maxObjectBytes'>,
  signal: AbortSignal,
): Promise<{ object: StoredObject; downloadMs: number }> {
  if (!mayReadOnDemand(target.key, config.onDemandPrefixes)) {
    // The message is for the log; callers get callerAnswer's, the same as for a missing object.
    throw new PermanentFailure(
      ErrorCode.OBJECT_NOT_FOUND,
      `s3://${target.bucket}/${target.key} is outside the on-demand prefixes (${config.onDemandPrefixes.join(', ')}): not read`,
    );
  }
  return readImage(store, target, config.maxObjectBytes, signal);
}

/** What a caller is told: an HTTP status, a stable code and a short message of ours. */
export interface CallerAnswer {
  status: number;
  code: string;
  message: string;
}

/** Codes that answer like a missing object: the caller cannot tell "absent" from "not for you". */
const LIKE_MISSING: ReadonlySet<string> = new Set([ErrorCode.OBJECT_NOT_FOUND, ErrorCode.ACCESS_DENIED]);

/** Messages for the store's codes, instead of S3's text. */
const STORE_MESSAGES: Readonly<Partial<Record<string, string>>> = {
  [ErrorCode.OBJECT_NOT_READABLE]: 'the object is archived: restore it before classifying it',
  [ErrorCode.OBJECT_TOO_LARGE]: 'the object is larger than this endpoint reads (MAX_OBJECT_BYTES)',
  [ErrorCode.S3_THROTTLED]: 'S3 asked to slow down: retry in a moment',
  [ErrorCode.S3_UNAVAILABLE]: 'S3 did not answer: retry in a moment',
  [ErrorCode.S3_UNREACHABLE]: 'S3 could not be reached: retry in a moment',
  [ErrorCode.S3_REQUEST_FAILED]: 'the object could not be read',
};

/** ARNs (roles, sessions, resources) and the account ids inside them never reach a caller. */
const ARN = /arn:aws[a-zA-Z-]*:[a-z0-9-]*:[a-z0-9-]*:\d{12}:[^\s"'<>]*/g;
export const redactArns = (text: string): string => text.replace(ARN, '<arn>');

/**
 * The answer for a failed on-demand request (the body adds the request id, which finds the details in the
 * log). `status` and `message` are what the source would say for
 * its own errors (request and image errors are about the caller's input and kept); store failures get a
 * fixed message, and those that could reveal an object (gone, forbidden) all become the missing-object
 * answer for `target`.
 */
export function callerAnswer(failure: CallerAnswer, target: ObjectLocation | undefined): CallerAnswer {
  if (target && LIKE_MISSING.has(failure.code)) {
    return {
      status: 404,
      code: ErrorCode.OBJECT_NOT_FOUND,
      message: `no object s3://${target.bucket}/${target.key} that this endpoint may read`,
    };
  }
  const fixed = STORE_MESSAGES[failure.code];
  return {
    status: failure.status,
    code: failure.code,
    message: fixed ?? redactArns(failure.message),
  };
}
