import { ErrorCode, LambdaVisionError } from './errors';

/** The most classes one result may list (ImageNet has 1000; a longer list is noise, not an answer). */
export const MAX_TOP_K = 100;

/**
 * The numeric options every caller takes (the CLI flags, the Lambda's settings, the on-demand request's
 * parameters): their ranges, stated once. `integer` rules refuse fractions.
 */
export const OPTION_RULES = {
  topK: { min: 1, max: MAX_TOP_K, integer: true },
  minConfidence: { min: 0, max: 1, integer: false },
  maxBytes: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
  maxPixels: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
} as const;
export type NumericOption = keyof typeof OPTION_RULES;

export interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
}

/** "a whole number from 1 to 100", "a number from 0 to 1", "a positive whole number". */
export function describeRule(rule: NumberRule): string {
  if (rule.integer && rule.min === 1 && rule.max === Number.MAX_SAFE_INTEGER)
    return 'a positive whole number';
  return `${rule.integer ? 'a whole number' : 'a number'} from ${rule.min} to ${rule.max}`;
}

/**
 * Checks a number against a rule. Takes a number or its text (a flag, an environment variable, a query
 * parameter): text must be a plain decimal number, so "", "5abc" and "0x10" are refused rather than read
 * as 0, NaN or 16. `label` names the option as the caller spells it (`--top`, `TOP_K`, `topK`).
 * Throws INVALID_OPTION.
 */
export function checkNumber(value: unknown, rule: NumberRule, label: string): number {
  const n =
    typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)
      ? Number(value)
      : value;
  if (
    typeof n !== 'number' ||
    !Number.isFinite(n) ||
    (rule.integer && !Number.isInteger(n)) ||
    n < rule.min ||
    n > rule.max
  ) {
    throw new LambdaVisionError(
      ErrorCode.INVALID_OPTION,
      `${label} must be ${describeRule(rule)}, got ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))}`,
    );
  }
  return n;
}

/** Checks one of the classifier's numeric options; `label` defaults to the option's own name. */
export function checkOption(name: NumericOption, value: unknown, label: string = name): number {
  return checkNumber(value, OPTION_RULES[name], label);
}
