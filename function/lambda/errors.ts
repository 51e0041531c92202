import { ErrorCode, type ErrorKind, errorKind, LambdaVisionError } from '../classifier';
import type { StoredObject } from './object-store';
import type { ObjectLocation } from './result-key';

/**
 * The Lambda function's errors: members of the core's family (codes and their kinds live in the core's
 * ERROR_CODES), plus `failureOf`, which sorts any error the function meets — its own, the core's, an AWS
 * SDK error, a bug — into (code, permanent or transient).
 */

/** A code a result document or a log line may carry. */
export type FailureCode = ErrorCode;

/**
 * A failed object-store call. Whether it is worth retrying follows from its code, unless the caller knows
 * better: a failed write of a result is transient whatever S3 said (the work is simply done again).
 */
export class ObjectStoreError extends LambdaVisionError {
  readonly #kind: ErrorKind | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; kind?: ErrorKind }) {
    super(code, message, options);
    this.name = 'ObjectStoreError';
    this.#kind = options?.kind;
  }

  override get kind(): ErrorKind {
    return this.#kind ?? super.kind;
  }

  get transient(): boolean {
    return this.kind === 'transient';
  }
}

/**
 * A permanent failure of one item (a bad image, a gone object, a bad task): recorded (an error result, a
 * 4xx, a PermanentFailure answer) and never retried. `result` is where its error result was written.
 */
export class PermanentFailure extends LambdaVisionError {
  /** The bytes read, when the failure came after reading them. */
  readonly object: StoredObject | undefined;
  readonly result: ObjectLocation | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; object?: StoredObject | undefined; result?: ObjectLocation } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.name = 'PermanentFailure';
    this.object = options.object;
    this.result = options.result;
  }

  override get kind(): ErrorKind {
    return 'permanent';
  }
}

/** The event is not one the function understands. */
export class InvalidEventError extends LambdaVisionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.INVALID_EVENT, message, options);
    this.name = 'InvalidEventError';
  }
}

/** The invocation stopped short of Lambda's deadline, leaving items for the retry. */
export class DeadlineError extends LambdaVisionError {
  constructor(message: string) {
    super(ErrorCode.DEADLINE, message);
    this.name = 'DeadlineError';
  }
}

/**
 * Thrown after every record had its turn, when some failed transiently: Lambda then retries the event
 * (records already done are rewritten with the same result) and, past its retries, sends it to the
 * failure destination. `errors` holds each record's error, as an AggregateError's would.
 */
export class RetryableRecordsError extends LambdaVisionError {
  readonly errors: Error[];
  constructor(errors: readonly Error[], message: string) {
    super(ErrorCode.RECORDS_RETRIED, message);
    this.name = 'RetryableRecordsError';
    this.errors = [...errors];
  }
}

/** Where an error was sorted: its stable code and whether a retry can help. */
export interface Failure {
  code: ErrorCode;
  kind: ErrorKind;
}

/** S3 answers that retrying cannot fix: the object is gone, or the function may not read it. */
const AWS_PERMANENT: Readonly<Record<string, ErrorCode>> = {
  NoSuchKey: ErrorCode.OBJECT_NOT_FOUND,
  NoSuchBucket: ErrorCode.OBJECT_NOT_FOUND,
  NoSuchVersion: ErrorCode.OBJECT_NOT_FOUND,
  NotFound: ErrorCode.OBJECT_NOT_FOUND,
  AccessDenied: ErrorCode.ACCESS_DENIED,
  AllAccessDisabled: ErrorCode.ACCESS_DENIED,
  Forbidden: ErrorCode.ACCESS_DENIED,
  InvalidObjectState: ErrorCode.OBJECT_NOT_READABLE,
};

const AWS_THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

// Node's socket and DNS errors: the request never got an answer.
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** What an AWS SDK (or network) error looks like. */
interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const asAwsError = (error: unknown): AwsLikeError =>
  (typeof error === 'object' && error !== null ? error : {}) as AwsLikeError;

/**
 * The code of an error from an S3 call. Only known "gone" and "forbidden" answers are permanent;
 * everything else is retried, because Lambda's retries end in the failure destination, whereas a record
 * wrongly called permanent is lost.
 */
export function awsErrorCode(error: unknown): ErrorCode {
  const e = asAwsError(error);
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const permanent = AWS_PERMANENT[name] ?? (status === 404 ? ErrorCode.OBJECT_NOT_FOUND : undefined);
  if (permanent) return permanent;
  if (status === 403) return ErrorCode.ACCESS_DENIED;
  if (AWS_THROTTLING.has(name) || status === 429 || status === 503) return ErrorCode.S3_THROTTLED;
  if (status !== undefined && status >= 500) return ErrorCode.S3_UNAVAILABLE;
  if (NETWORK.has(e.code ?? '') || name === 'TimeoutError' || name === 'AbortError')
    return ErrorCode.S3_UNREACHABLE;
  return ErrorCode.S3_REQUEST_FAILED;
}

/** The short description an AWS error gets in messages: its name and HTTP status. */
export function awsErrorLabel(error: unknown): string {
  const e = asAwsError(error);
  const status = e.$metadata?.httpStatusCode;
  return `${e.name || 'error'}${status ? ` (HTTP ${status})` : ''}`;
}

/** Whether an error came from an AWS SDK call (it carries the SDK's response metadata). */
const isAwsError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && '$metadata' in error;

/**
 * The one place any error is sorted: a member of the family keeps its code; an AWS SDK error is read by
 * name and status; anything else is UNEXPECTED. The kind always follows from the code.
 */
export function failureOf(error: unknown): Failure {
  let code: ErrorCode = ErrorCode.UNEXPECTED;
  if (error instanceof LambdaVisionError) code = error.code;
  else if (isAwsError(error)) code = awsErrorCode(error);
  return { code, kind: error instanceof LambdaVisionError ? error.kind : errorKind(code) };
}

/** The stable code of any failure (UNEXPECTED for what nobody anticipated). */
export const codeOf = (error: unknown): FailureCode => failureOf(error).code;

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
