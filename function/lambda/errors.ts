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

/** Failures of the invocation as a whole, before any record is looked at. */
export const InvocationErrorCode = {
  /** The event is not one the function understands. */
  INVALID_EVENT: 'INVALID_EVENT',
  /** A setting in the function's environment cannot be used. */
  INVALID_CONFIG: 'INVALID_CONFIG',
} as const;
export type InvocationErrorCode = (typeof InvocationErrorCode)[keyof typeof InvocationErrorCode];

/** Every code a result document or a log line may carry. */
export type FailureCode = RecordErrorCode | ClassifierErrorCode | InvocationErrorCode;

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
  readonly code = InvocationErrorCode.INVALID_EVENT;
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

/** Why an S3 Batch Operations task was refused before its object was touched. */
export const BatchErrorCode = {
  /** The task's key is not URL-encoded as Batch Operations sends keys. */
  INVALID_KEY: 'INVALID_KEY',
  /** The job's userArguments hold a name or value the function does not know. */
  INVALID_USER_ARGUMENTS: 'INVALID_USER_ARGUMENTS',
} as const;
export type BatchErrorCode = (typeof BatchErrorCode)[keyof typeof BatchErrorCode];

/** Why an on-demand request was refused before anything was classified. */
export const RequestErrorCode = {
  /** topK or minConfidence out of range, or an unknown parameter. */
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  /** The body looked like JSON (or said so) but does not parse. */
  INVALID_JSON: 'INVALID_JSON',
  /** JSON that parses but is not `{"s3": {"bucket", "key"}, ...}`. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** Neither image bytes nor an S3 reference. */
  EMPTY_BODY: 'EMPTY_BODY',
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** Above the invocation payload limit (answered by the Function URL itself on AWS, by `npm run dev` here). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
} as const;
export type RequestErrorCode = (typeof RequestErrorCode)[keyof typeof RequestErrorCode];
