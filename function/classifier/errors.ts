/** Stable error codes: callers (CLI exit codes, the Lambda's retry decision, result JSON) key on these. */
export const ErrorCode = {
  EMPTY_IMAGE: 'EMPTY_IMAGE',
  UNSUPPORTED_FORMAT: 'UNSUPPORTED_FORMAT',
  CORRUPT_IMAGE: 'CORRUPT_IMAGE',
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_INVALID: 'MODEL_INVALID',
  LABELS_MISMATCH: 'LABELS_MISMATCH',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  INVALID_OPTION: 'INVALID_OPTION',
  // Training a head (training/): the labelled data or the output folder is not usable as given.
  DATASET_NOT_FOUND: 'DATASET_NOT_FOUND',
  DATASET_INVALID: 'DATASET_INVALID',
  TOO_FEW_LABELS: 'TOO_FEW_LABELS',
  EMPTY_LABEL: 'EMPTY_LABEL',
  TRAIN_TEST_OVERLAP: 'TRAIN_TEST_OVERLAP',
  OUTPUT_EXISTS: 'OUTPUT_EXISTS',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes caused by the input itself: retrying the same bytes can never succeed. */
const IMAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.EMPTY_IMAGE,
  ErrorCode.UNSUPPORTED_FORMAT,
  ErrorCode.CORRUPT_IMAGE,
  ErrorCode.IMAGE_TOO_LARGE,
]);

export class LambdaVisionError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LambdaVisionError';
    this.code = code;
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

export const isImageError = (error: unknown): error is ImageError =>
  error instanceof LambdaVisionError && IMAGE_CODES.has(error.code);
