import type { LambdaConfig } from './config';
import { ObjectStoreError } from './errors';
import type { ObjectStore } from './object-store';
import { type ObjectLocation, resultLocationFor } from './result-key';

/** Why an object needs (or does not need) classifying again. */
export type Freshness =
  | { current: true; result: ObjectLocation; etag: string }
  | { current: false; result: ObjectLocation; reason: 'no-result' | 'changed' | 'unknown' };

/**
 * Whether the object's result describes the bytes now in the bucket: the result's `source-etag` metadata
 * (written with every result, ok or error) equals the object's etag. Two HEAD requests, no body read.
 * `sourceEtag` spares the second when the caller already knows it (a listing).
 *
 * Whatever cannot be told for sure (no head() on the store, a forbidden result, no etag) counts as not
 * current: the object is classified again, which is idempotent. Transient failures are thrown.
 */
export async function resultFreshness(
  store: ObjectStore,
  source: ObjectLocation,
  config: Pick<LambdaConfig, 'resultsBucket' | 'resultsPrefix'>,
  options: { sourceEtag?: string; signal?: AbortSignal } = {},
): Promise<Freshness> {
  const result = resultLocationFor(source, config);
  const head = store.head?.bind(store);
  if (!head) return { current: false, result, reason: 'unknown' };
  const resultHead = await headOrUnknown(head, result, options.signal);
  if (resultHead === 'unknown') return { current: false, result, reason: 'unknown' };
  if (resultHead === undefined) return { current: false, result, reason: 'no-result' };
  const described = resultHead.metadata['source-etag'];
  if (!described) return { current: false, result, reason: 'unknown' };
  let etag = options.sourceEtag;
  if (etag === undefined) {
    const sourceHead = await headOrUnknown(head, source, options.signal);
    if (sourceHead === 'unknown' || sourceHead === undefined)
      return { current: false, result, reason: 'unknown' };
    etag = sourceHead.etag;
  }
  return etag !== undefined && etag === described
    ? { current: true, result, etag }
    : { current: false, result, reason: 'changed' };
}

// Without s3:ListBucket, S3 answers 403 rather than 404 for a missing key: a permanent error here only
// means "cannot tell".
async function headOrUnknown(
  head: NonNullable<ObjectStore['head']>,
  where: ObjectLocation,
  signal?: AbortSignal,
) {
  try {
    return await head({ bucket: where.bucket, key: where.key, signal });
  } catch (error) {
    if (error instanceof ObjectStoreError && !error.transient) return 'unknown' as const;
    throw error;
  }
}
