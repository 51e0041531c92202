import type { Context, LambdaFunctionURLEvent, S3BatchEvent, S3Event } from 'aws-lambda';
import type { BatchResponse, S3BatchEventV2 } from './batch-event';
import { createBatchHandler } from './batch-handler';
import { InvalidEventError } from './errors';
import { createHandler, type HandlerDeps, type HandlerSummary } from './handler';
import { createOnDemandHandler, type FunctionUrlResponse } from './on-demand-handler';
import { coldStartFlag } from './telemetry';

/**
 * One function, three kinds of event: S3 notifications (uploads), S3 Batch Operations tasks (backfill)
 * and Function URL requests (on demand). One function rather than three keeps one model load per
 * container, one deployment and one set of settings; the three handlers share the same init promise.
 */

export const EventKind = {
  S3_NOTIFICATION: 's3-notification',
  S3_BATCH: 's3-batch',
  FUNCTION_URL: 'function-url',
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Tells the kind from the event's shape alone (each handler then checks the rest). */
export function eventKindOf(event: unknown): EventKind | undefined {
  if (!isRecord(event)) return undefined;
  if (Array.isArray(event.Records)) return EventKind.S3_NOTIFICATION;
  if (typeof event.invocationSchemaVersion === 'string' && Array.isArray(event.tasks))
    return EventKind.S3_BATCH;
  if (isRecord(event.requestContext) && isRecord(event.requestContext.http)) return EventKind.FUNCTION_URL;
  return undefined;
}

export type FunctionResult = HandlerSummary | BatchResponse | FunctionUrlResponse;

export interface FunctionHandler {
  (event: S3Event, context: Context): Promise<HandlerSummary>;
  (event: S3BatchEvent | S3BatchEventV2, context: Context): Promise<BatchResponse>;
  (event: LambdaFunctionURLEvent, context: Context): Promise<FunctionUrlResponse>;
  (event: unknown, context: Context): Promise<FunctionResult>;
}

/** The function's handler: routes each event to the handler for its kind. */
export function createFunctionHandler(deps: HandlerDeps): FunctionHandler {
  const shared: HandlerDeps = { ...deps, isColdStart: deps.isColdStart ?? coldStartFlag() };
  const onUpload = createHandler(shared);
  const onBatch = createBatchHandler(shared);
  const onRequest = createOnDemandHandler(shared);

  async function handler(event: unknown, context: Context): Promise<FunctionResult> {
    switch (eventKindOf(event)) {
      case EventKind.S3_NOTIFICATION:
        return onUpload(event, context);
      case EventKind.S3_BATCH:
        return onBatch(event, context);
      case EventKind.FUNCTION_URL:
        return onRequest(event, context);
      default:
        throw new InvalidEventError(
          'not an event this function handles: expected an S3 notification (Records), an S3 Batch Operations invocation (invocationSchemaVersion, tasks) or a Function URL request (requestContext.http)',
        );
    }
  }
  return handler as FunctionHandler;
}
