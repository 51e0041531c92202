import type { ErrorCode as ClassifierErrorCode } from '../classifier';

/** Codes for failures around the image (reading the object, the event), beside the classifier's own. */
export const RecordErrorCode = {
  /** The object (or its bucket) is gone: NoSuchKey, NoSuchBucket, a 404. */
  OBJECT_NOT_FOUND: 'OBJECT_NOT_FOUND',
  /** The function may not read it: AccessDenied, a 403. */
  ACCESS_DENIED: 'ACCESS_DENIED',
  /** Archived (Glacier) objects cannot be read without a restore. */
  OBJECT_NOT_READABLE: 'OBJECT_NOT_READABLE',
  /** Above MAX_OBJECT_BYTES: refused from its Content-Length, before the body is read. */
  OBJECT_TOO_LARGE: 'OBJECT_TOO_LARGE',
  /** S3 answered 5xx. */
  S3_UNAVAILABLE: 'S3_UNAVAILABLE',
  /** S3 asked us to slow down. */
  S3_THROTTLED: 'S3_THROTTLED',
  /** No answer: connection refused or reset, DNS, socket timeout. */
  S3_UNREACHABLE: 'S3_UNREACHABLE',
  /** Any other S3 error: retried, because a lost record is worse than a repeated one. */
  S3_REQUEST_FAILED: 'S3_REQUEST_FAILED',
  /** The invocation ran out of time before this record. */
  DEADLINE: 'DEADLINE',
  /** An error nobody anticipated (a bug, or the model failed to load). */
  UNEXPECTED: 'UNEXPECTED',
} as const;
export type RecordErrorCode = (typeof RecordErrorCode)[keyof typeof RecordErrorCode];

/** Every code a result document or a log line may carry. */
export type FailureCode = RecordErrorCode | ClassifierErrorCode;

/** A failed object-store call, already sorted into permanent (never retry) or transient (retry). */
export class ObjectStoreError extends Error {
  readonly code: RecordErrorCode;
  readonly transient: boolean;
  constructor(code: RecordErrorCode, transient: boolean, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ObjectStoreError';
    this.code = code;
    this.transient = transient;
  }
}

/** The event is not an S3 notification the function understands. */
export class InvalidEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidEventError';
  }
}

/** The invocation stopped short of Lambda's deadline, leaving records for the retry. */
export class DeadlineError extends Error {
  readonly code = RecordErrorCode.DEADLINE;
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/**
 * Thrown after every record had its turn, when some failed transiently: Lambda then retries the event
 * (records already done are rewritten with the same result) and, past its retries, sends it to the
 * failure destination.
 */
export class RetryableRecordsError extends AggregateError {
  constructor(errors: readonly Error[], message: string) {
    super(errors, message);
    this.name = 'RetryableRecordsError';
  }
}
