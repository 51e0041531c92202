/**
 * The project's one error family. Every error the classifier, the Lambda function or the command line
 * reports is a `LambdaVisionError` with a stable `code` from ERROR_CODES: callers (CLI exit codes, the
 * Lambda's retry decision, result JSON, HTTP statuses) key on these. docs/error-codes.md is rendered from
 * this table (`npm run docs:error-codes`) and a test keeps the two equal.
 *
 * `kind` says what retrying does: `permanent` — the same input fails the same way, so the failure is
 * recorded and never retried; `transient` — a retry can succeed (the service recovers, the deployment is
 * fixed, a bug is fixed), so the Lambda function lets the work be retried. `scope` says where it arises.
 */
export const ERROR_CODES = {
  // The image (classifier core).
  EMPTY_IMAGE: { kind: 'permanent', scope: 'image', description: 'zero bytes' },
  UNSUPPORTED_FORMAT: {
    kind: 'permanent',
    scope: 'image',
    description: 'not an image, or a format the classifier does not decode (WebP, SVG, HEIC, PDF, …)',
  },
  CORRUPT_IMAGE: {
    kind: 'permanent',
    scope: 'image',
    description: 'a known format, but damaged or truncated',
  },
  IMAGE_TOO_LARGE: {
    kind: 'permanent',
    scope: 'image',
    description:
      'over the byte limit, or the header claims more pixels than the limit (refused before decoding)',
  },
  // The model and the options (classifier core).
  MODEL_NOT_FOUND: {
    kind: 'transient',
    scope: 'model',
    description: 'the model folder or one of its files is missing',
  },
  MODEL_INVALID: {
    kind: 'transient',
    scope: 'model',
    description: 'the model folder holds a model that does not load or does not fit its manifest',
  },
  LABELS_MISMATCH: {
    kind: 'transient',
    scope: 'model',
    description: "the model's labels do not fit its output (the message names the file)",
  },
  BACKEND_UNAVAILABLE: {
    kind: 'transient',
    scope: 'model',
    description: 'the backend asked for cannot load (e.g. `tensorflow` without tfjs-node)',
  },
  INVALID_OPTION: {
    kind: 'permanent',
    scope: 'model',
    description: 'a bad `topK`, `minConfidence`, backend, decoder or limit',
  },
  // One object in the object store (Lambda function).
  OBJECT_NOT_FOUND: {
    kind: 'permanent',
    scope: 'object',
    description: 'the object (or its bucket) is gone: NoSuchKey, NoSuchBucket, a 404',
  },
  ACCESS_DENIED: {
    kind: 'permanent',
    scope: 'object',
    description: 'the function may not read it: AccessDenied, a 403',
  },
  OBJECT_NOT_READABLE: {
    kind: 'permanent',
    scope: 'object',
    description: 'an archived (Glacier) object, which cannot be read without a restore',
  },
  OBJECT_TOO_LARGE: {
    kind: 'permanent',
    scope: 'object',
    description: 'above MAX_OBJECT_BYTES: refused from its Content-Length, before the body is read',
  },
  S3_UNAVAILABLE: { kind: 'transient', scope: 'object', description: 'S3 answered 5xx' },
  S3_THROTTLED: { kind: 'transient', scope: 'object', description: 'S3 asked the function to slow down' },
  S3_UNREACHABLE: {
    kind: 'transient',
    scope: 'object',
    description: 'no answer from S3: connection refused or reset, DNS, socket timeout',
  },
  S3_REQUEST_FAILED: {
    kind: 'transient',
    scope: 'object',
    description: 'any other S3 error: retried, because a lost record is worse than a repeated one',
  },
  DEADLINE: {
    kind: 'transient',
    scope: 'object',
    description: 'the invocation ran out of time before this item; it is retried',
  },
  UNEXPECTED: {
    kind: 'transient',
    scope: 'object',
    description: 'an error nobody anticipated (a bug, or the model failed to load); retried',
  },
  // The invocation as a whole (Lambda function).
  RECORDS_RETRIED: {
    kind: 'transient',
    scope: 'invocation',
    description:
      'some records of an S3 notification failed transiently: the invocation fails so Lambda retries the event',
  },
  INVALID_EVENT: {
    kind: 'permanent',
    scope: 'invocation',
    description: 'the event is not one the function understands',
  },
  INVALID_CONFIG: {
    kind: 'permanent',
    scope: 'invocation',
    description: "a setting in the function's environment cannot be used (the message names the variable)",
  },
  // An S3 Batch Operations task.
  INVALID_KEY: {
    kind: 'permanent',
    scope: 'batch',
    description: "the task's key is not URL-encoded as Batch Operations sends keys",
  },
  INVALID_USER_ARGUMENTS: {
    kind: 'permanent',
    scope: 'batch',
    description: "the job's userArguments hold a name or value the function does not know",
  },
  // An on-demand request (Function URL).
  INVALID_PARAMETER: {
    kind: 'permanent',
    scope: 'request',
    description: 'topK or minConfidence out of range, or an unknown parameter',
  },
  INVALID_JSON: {
    kind: 'permanent',
    scope: 'request',
    description: 'the body looked like JSON (or said so) but does not parse',
  },
  INVALID_REQUEST: {
    kind: 'permanent',
    scope: 'request',
    description: 'JSON that parses but is not `{"s3": {"bucket", "key"}, ...}`',
  },
  EMPTY_BODY: { kind: 'permanent', scope: 'request', description: 'neither image bytes nor an S3 reference' },
  ROUTE_NOT_FOUND: {
    kind: 'permanent',
    scope: 'request',
    description: 'a path other than `/` or `/classify`',
  },
  METHOD_NOT_ALLOWED: { kind: 'permanent', scope: 'request', description: 'a method other than POST' },
  PAYLOAD_TOO_LARGE: {
    kind: 'permanent',
    scope: 'request',
    description:
      'above the invocation payload limit (answered by the Function URL itself on AWS, by `npm run dev` here)',
  },
  // Training a custom head (training/, `lambdavision train` and `evaluate`).
  DATASET_NOT_FOUND: {
    kind: 'permanent',
    scope: 'training',
    description: 'the labelled data (folder, manifest or s3:// prefix) does not exist',
  },
  DATASET_INVALID: {
    kind: 'permanent',
    scope: 'training',
    description:
      'a manifest row or line that cannot be read, test labels the training data lacks, no images left to test',
  },
  TOO_FEW_LABELS: {
    kind: 'permanent',
    scope: 'training',
    description: 'fewer than two labels: a classifier needs at least two',
  },
  EMPTY_LABEL: {
    kind: 'permanent',
    scope: 'training',
    description: 'a label folder without images, or whose every image was unreadable',
  },
  TRAIN_TEST_OVERLAP: {
    kind: 'permanent',
    scope: 'training',
    description: 'the same image (by content) is in the training and the test data',
  },
  OUTPUT_EXISTS: {
    kind: 'permanent',
    scope: 'training',
    description: 'the output model folder exists and `--force` was not given',
  },
  // The command line.
  USAGE: {
    kind: 'permanent',
    scope: 'cli',
    description: 'the command was called wrongly: the message and the usage are printed, exit status 2',
  },
  FETCH_FAILED: {
    kind: 'transient',
    scope: 'cli',
    description:
      'a model fetch failed: a missing file, an unreachable source, a checksum mismatch, a model that does not load',
  },
  GENERATED_DATA_UNPROVEN: {
    kind: 'permanent',
    scope: 'cli',
    description:
      'a generator could not prove its output from its sources (the label hierarchy: a class no WordNet synset names, ids out of ImageNet order, a tie no pin decides); nothing is written',
  },
} as const satisfies Record<string, { kind: ErrorKind; scope: ErrorScope; description: string }>;

export type ErrorKind = 'permanent' | 'transient';
export type ErrorScope =
  | 'image'
  | 'model'
  | 'object'
  | 'invocation'
  | 'batch'
  | 'request'
  | 'training'
  | 'cli';

export type ErrorCode = keyof typeof ERROR_CODES;

/** Every code by name, for `ErrorCode.CORRUPT_IMAGE` (derived from the table, never listed twice). */
export const ErrorCode = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])),
) as { readonly [C in ErrorCode]: C };

/** Whether retrying can help: the one place that says so for a code. */
export const errorKind = (code: ErrorCode): ErrorKind => ERROR_CODES[code].kind;

/** The codes of one scope, in the table's order. */
export const codesIn = (scope: ErrorScope): ErrorCode[] =>
  (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].scope === scope);

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);

/** The base of every error the project reports. */
export class LambdaVisionError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LambdaVisionError';
    this.code = code;
  }

  /** Permanent or transient, from the code. */
  get kind(): ErrorKind {
    return errorKind(this.code);
  }
}

/** The image cannot be classified: a permanent failure of this input. */
export class ImageError extends LambdaVisionError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ImageError';
  }
}

/** The model directory cannot be loaded. */
export class ModelError extends LambdaVisionError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ModelError';
  }
}

/** Codes caused by the image itself: retrying the same bytes can never succeed. */
export const isImageError = (error: unknown): error is ImageError =>
  error instanceof LambdaVisionError && ERROR_CODES[error.code].scope === 'image';
