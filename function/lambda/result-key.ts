import { createHash } from 'node:crypto';
import type { LambdaConfig } from './config';

/** S3 refuses keys longer than 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/** Under the results prefix: results of source keys too long to take `<prefix><key>.json`. */
export const LONG_KEYS_FOLDER = '.long-keys/';

/**
 * Where a result lives: `<prefix><original key>.json`, e.g. uploads/a b.jpg -> results/uploads/a b.jpg.json.
 * S3 keys are flat strings (`../` is just three characters), so the result can only land under the
 * prefix, and appending to the key keeps distinct keys distinct. A key within 1024 bytes of S3's limit
 * would make the result key too long for S3: its result goes to `<prefix>.long-keys/<sha256 of key>.json`
 * instead (the document inside names the full key). That form could only meet an ordinary result if an
 * upload were itself named `.long-keys/<64 hex>`, which never starts with a non-empty upload prefix.
 */
export function resultKeyFor(key: string, resultsPrefix: string): string {
  const direct = `${resultsPrefix}${key}.json`;
  if (Buffer.byteLength(direct, 'utf8') <= MAX_KEY_BYTES) return direct;
  return `${resultsPrefix}${LONG_KEYS_FOLDER}${createHash('sha256').update(key, 'utf8').digest('hex')}.json`;
}

export interface ObjectLocation {
  bucket: string;
  key: string;
}

/** The result object for a source object under the function's configuration. */
export function resultLocationFor(
  source: ObjectLocation,
  config: Pick<LambdaConfig, 'resultsBucket' | 'resultsPrefix'>,
): ObjectLocation {
  return {
    bucket: config.resultsBucket ?? source.bucket,
    key: resultKeyFor(source.key, config.resultsPrefix),
  };
}

/** Why a record is left alone, or undefined when it is to be classified. */
export type SkipReason = 'result-object' | 'outside-upload-prefix';

/**
 * The function's own results are never classified (that would loop: each result triggering another),
 * nor objects outside the upload prefix (the trigger's filter, checked again here).
 */
export function skipReasonFor(
  source: ObjectLocation,
  config: Pick<LambdaConfig, 'resultsBucket' | 'resultsPrefix' | 'uploadPrefix'>,
): SkipReason | undefined {
  const results = resultLocationFor(source, config);
  if (results.bucket === source.bucket && source.key.startsWith(config.resultsPrefix)) return 'result-object';
  if (!source.key.startsWith(config.uploadPrefix)) return 'outside-upload-prefix';
  return undefined;
}
