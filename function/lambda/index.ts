/**
 * The Lambda wing's public surface, free of side effects: importing it loads no model and reads no
 * environment. The deployed handler, which wires the real clients at init, is entry.ts.
 */
export {
  type BatchEvent,
  type BatchResponse,
  type BatchResultCode,
  type BatchTask,
  parseBatchEvent,
  type S3BatchEventV2,
} from './batch-event';
export { CONFIG_DEFAULTS, CONFIG_VARIABLES, ConfigError, type LambdaConfig, loadConfig } from './config';
export {
  awsErrorCode,
  codeOf,
  DeadlineError,
  type Failure,
  type FailureCode,
  failureOf,
  InvalidEventError,
  ObjectStoreError,
  PermanentFailure,
  RetryableRecordsError,
} from './errors';
export type { HandlerDeps } from './handler-deps';
export type { FunctionUrlResponse } from './http-response';
export * from './object-store';
export {
  AMZ_JSON,
  DETECT_LABELS_TARGET,
  type DetectLabelsRequest,
  detectLabelsResponse,
  parseDetectLabelsRequest,
  REKOGNITION_ERROR_FOR,
  RekognitionError,
  RekognitionErrorType,
} from './rekognition-protocol';
export type {
  ErrorResult,
  ObjectToClassify,
  ResultDocument,
  ResultSource,
  SuccessResult,
} from './result-document';
export { type Freshness, resultFreshness } from './result-freshness';
export {
  type ObjectLocation,
  resultKeyFor,
  resultLocationFor,
  type SkipReason,
  skipReasonFor,
} from './result-key';
export {
  createFunctionHandler,
  EVENT_SOURCES,
  EventKind,
  eventKindOf,
  type FunctionHandler,
  type FunctionResult,
} from './router';
export { decodeS3Key, encodeS3Key, isObjectCreated, parseS3Event, type S3ObjectRecord } from './s3-event';
export { S3ObjectStore, toObjectStoreError } from './s3-object-store';
export type { EventSource, SourceHandler } from './sources/event-source';
export {
  createFunctionUrlHandler,
  HTTP_STATUS,
  type OnDemandError,
  type OnDemandResult,
  statusFor,
} from './sources/function-url';
export { createRekognitionHandler } from './sources/rekognition';
export {
  type BatchArguments,
  type BatchTaskStatus,
  batchTaskStatus,
  createBatchHandler,
  parseBatchArguments,
} from './sources/s3-batch';
export {
  createS3NotificationHandler,
  type HandlerSummary,
  type RecordOutcome,
  type RecordStatus,
  type S3NotificationHandler,
} from './sources/s3-notification';
export { coldStartFlag, type LogSink, METRIC, type MetricsSink, NO_METRICS, type Trigger } from './telemetry';
