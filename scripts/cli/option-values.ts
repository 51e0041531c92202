import {
  checkNumber,
  checkOption,
  LambdaVisionError,
  type NumberRule,
  type NumericOption,
} from '../../function/classifier/index';
import { CliError } from './cli-error';

/**
 * Value checks for command definitions (`parse` of an option). Numbers are checked by the classifier
 * core's own rules and wording, so a flag, a Lambda setting and a request parameter agree. Kept apart
 * from command.ts so that `lambdavision --help` does not load the core.
 */

const asUsageError = <T>(check: () => T): T => {
  try {
    return check();
  } catch (error) {
    if (error instanceof LambdaVisionError) throw new CliError(error.message);
    throw error;
  }
};

/** One of the classifier's numeric options (topK, minConfidence, maxBytes, maxPixels). */
export const coreOption =
  (name: NumericOption) =>
  (raw: string, flag: string): number =>
    asUsageError(() => checkOption(name, raw, flag));

/** A whole or decimal number checked against a rule. */
export const numberIn =
  (rule: NumberRule) =>
  (raw: string, flag: string): number =>
    asUsageError(() => checkNumber(raw, rule, flag));

/** A whole number from `min` to `max`. */
export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  numberIn({ min, max, integer: true });

/** One of a fixed list of words. */
export const oneOf =
  <const T extends string>(choices: readonly T[]) =>
  (raw: string, flag: string): T => {
    if (!(choices as readonly string[]).includes(raw))
      throw new CliError(
        `${flag} must be ${choices.length === 2 ? choices.join(' or ') : `one of ${choices.join(', ')}`}, got "${raw}"`,
      );
    return raw as T;
  };
