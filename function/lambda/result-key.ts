import type { LambdaConfig } from './config';

/** Where a result lives: `<prefix><original key>.json`, e.g. uploads/a b.jpg -> results/uploads/a b.jpg.json. */
export const resultKeyFor = (key: string, resultsPrefix: string): string => `${resultsPrefix}${key}.json`;

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
