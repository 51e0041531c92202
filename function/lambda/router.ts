import type { Context, LambdaFunctionURLEvent, S3BatchEvent, S3Event } from 'aws-lambda';
import type { BatchResponse, S3BatchEventV2 } from './batch-event';
import { InvalidEventError } from './errors';
import type { HandlerDeps } from './handler-deps';
import type { FunctionUrlResponse } from './http-response';
import { functionUrl } from './sources/function-url';
import { rekognition } from './sources/rekognition';
import { s3Batch } from './sources/s3-batch';
import { type HandlerSummary, s3Notification } from './sources/s3-notification';
import { coldStartFlag } from './telemetry';

/**
 * One function, one table of event sources: S3 notifications (uploads), S3 Batch Operations tasks
 * (backfill) and Function URL requests (on demand). One function rather than three keeps one model load
 * per container, one deployment and one set of settings; the handlers share the same init promise. A new
 * kind of event is one file in sources/ and one row here; the first row whose `matches` holds wins.
 */
export const EVENT_SOURCES = [s3Notification, s3Batch, rekognition, functionUrl] as const;

type SourceRow = (typeof EVENT_SOURCES)[number];
export type EventKind = SourceRow['kind'];

/** Every kind by its constant's name, e.g. `EventKind.S3_BATCH` = 's3-batch' (from the table). */
export const EventKind = Object.freeze(
  Object.fromEntries(EVENT_SOURCES.map((source) => [source.constant, source.kind])),
) as { readonly [R in SourceRow as R['constant']]: R['kind'] };

/** Tells the kind from the event's shape alone (each handler then checks the rest). */
export function eventKindOf(event: unknown): EventKind | undefined {
  return EVENT_SOURCES.find((source) => source.matches(event))?.kind;
}

export type FunctionResult = Awaited<ReturnType<ReturnType<SourceRow['create']>>>;

export interface FunctionHandler {
  (event: S3Event, context: Context): Promise<HandlerSummary>;
  (event: S3BatchEvent | S3BatchEventV2, context: Context): Promise<BatchResponse>;
  (event: LambdaFunctionURLEvent, context: Context): Promise<FunctionUrlResponse>;
  (event: unknown, context: Context): Promise<FunctionResult>;
}

const expected = (): string => {
  const names = EVENT_SOURCES.map((source) => source.expects);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '');
};

/** The function's handler: routes each event to the handler of the first source that matches it. */
export function createFunctionHandler(deps: HandlerDeps): FunctionHandler {
  const shared: HandlerDeps = { ...deps, isColdStart: deps.isColdStart ?? coldStartFlag() };
  const handlers = EVENT_SOURCES.map((source) => ({
    matches: source.matches,
    handle: source.create(shared) as (event: unknown, context: Context) => Promise<FunctionResult>,
  }));

  async function handler(event: unknown, context: Context): Promise<FunctionResult> {
    const route = handlers.find((h) => h.matches(event));
    if (!route) throw new InvalidEventError(`not an event this function handles: expected ${expected()}`);
    return route.handle(event, context);
  }
  return handler as FunctionHandler;
}
