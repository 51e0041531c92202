import { type Classifier, ErrorCode } from '../../classifier';
import { reportClassified, reportTransient } from '../classified-report';
import { DeadlineError, messageOf, ObjectStoreError, PermanentFailure } from '../errors';
import { type HandlerDeps, resolveDeps } from '../handler-deps';
import { type FunctionUrlResponse, respond } from '../http-response';
import { withInvocation } from '../invocation';
import { callerAnswer, readOnDemandImage } from '../on-demand-object';
import {
  CLASSIFY_PATHS,
  type FunctionUrlRequest,
  type OnDemandRequest,
  parseFunctionUrlEvent,
  parseOnDemandRequest,
  RequestError,
} from '../on-demand-request';
import { classifyImage } from '../read-and-classify';
import { isRekognitionEvent } from '../rekognition-protocol';
import { type ResultSource, type SuccessResult, sourceOf, successDocument } from '../result-document';
import type { ObjectLocation } from '../result-key';
import { type ItemOutcome, runItem } from '../run-items';
import { defineSource, isRecord, type SourceHandler } from './event-source';

export type { FunctionUrlResponse } from '../http-response';

/** The 200 body: the same document as a stored result; `source` is null for bytes sent in the request. */
export type OnDemandResult = Omit<SuccessResult, 'source'> & { source: ResultSource | null };

/** The error body: a stable code to branch on and a message for people. */
export interface OnDemandError {
  error: { code: string; message: string };
  requestId: string;
}

/** The HTTP status for each failure code; anything not listed is a 500. */
export const HTTP_STATUS: Readonly<Partial<Record<ErrorCode, number>>> = {
  [ErrorCode.INVALID_PARAMETER]: 400,
  [ErrorCode.INVALID_JSON]: 400,
  [ErrorCode.INVALID_REQUEST]: 400,
  [ErrorCode.EMPTY_BODY]: 400,
  [ErrorCode.EMPTY_IMAGE]: 400,
  [ErrorCode.INVALID_OPTION]: 400,
  [ErrorCode.ACCESS_DENIED]: 403,
  [ErrorCode.OBJECT_NOT_FOUND]: 404,
  [ErrorCode.ROUTE_NOT_FOUND]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  // S3 itself answers 403 InvalidObjectState for an archived object: it exists, but not in a state to read.
  [ErrorCode.OBJECT_NOT_READABLE]: 409,
  [ErrorCode.IMAGE_TOO_LARGE]: 413,
  [ErrorCode.OBJECT_TOO_LARGE]: 413,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_FORMAT]: 415,
  [ErrorCode.CORRUPT_IMAGE]: 422,
  [ErrorCode.S3_REQUEST_FAILED]: 502,
  [ErrorCode.S3_UNAVAILABLE]: 503,
  [ErrorCode.S3_THROTTLED]: 503,
  [ErrorCode.S3_UNREACHABLE]: 503,
  [ErrorCode.DEADLINE]: 504,
};

export const statusFor = (code: string): number => HTTP_STATUS[code as ErrorCode] ?? 500;

function refusal(status: number, code: string, message: string, requestId: string): FunctionUrlResponse {
  const body: OnDemandError = { error: { code, message }, requestId };
  const extra: Record<string, string> = {};
  if (status === 405) extra.allow = 'POST';
  if (status === 503) extra['retry-after'] = '1';
  return respond(status, body, extra);
}

/**
 * The on-demand handler (Lambda Function URL, buffered, or an HTTP API with payload 2.0): POST image bytes
 * or an S3 reference to `/classify` (or `/`), get the result JSON back. Nothing is written to S3. The
 * request is the loop's one item. Bad requests get a 4xx with a stable code; transient S3 trouble a 503;
 * a bug or a model that failed to load a 500.
 */
export function createFunctionUrlHandler(deps: HandlerDeps): SourceHandler<FunctionUrlResponse> {
  const resolved = resolveDeps(deps);
  const { store, logger, metrics, config, print, now } = resolved;

  return (event, context) =>
    withInvocation(resolved, context, async ({ model, itemRun }) => {
      // Not a Function URL event: the invocation fails, as for any bad event.
      const http = parseFunctionUrlEvent(event);
      const requestId = context.awsRequestId;
      // The object a request names, once parsed: its failures answer like a missing object.
      let target: ObjectLocation | undefined;
      const outcome = await runItem(http, context, async (request, signal) => {
        const parsed = route(request);
        if (parsed.image.kind === 's3') target = { bucket: parsed.image.bucket, key: parsed.image.key };
        const classifier = await model();
        const doc = await classify(parsed, classifier, requestId, signal);
        print(doc.line);
        reportClassified({ logger, metrics }, doc, itemRun(signal, 'function-url'));
        return doc;
      });
      return answer(outcome, requestId, context, target);
    });

  function route(http: FunctionUrlRequest): OnDemandRequest {
    const path = http.path.replace(/\/+$/, '') || '/';
    if (!(CLASSIFY_PATHS as readonly string[]).includes(path)) {
      throw new RequestError(
        404,
        ErrorCode.ROUTE_NOT_FOUND,
        `no such path ${JSON.stringify(http.path)}: POST to /classify`,
      );
    }
    if (http.method !== 'POST') {
      throw new RequestError(
        405,
        ErrorCode.METHOD_NOT_ALLOWED,
        `${http.method} is not allowed: POST the image (or an S3 reference) to /classify`,
      );
    }
    return parseOnDemandRequest(http, config);
  }

  async function classify(
    request: OnDemandRequest,
    classifier: Classifier,
    requestId: string,
    signal: AbortSignal,
  ): Promise<OnDemandResult> {
    const options = { topK: request.topK, minConfidence: request.minConfidence, allProbabilities: true };
    const meta = () => ({ requestId, processedAt: now().toISOString() });
    if (request.image.kind === 's3') {
      const target = { bucket: request.image.bucket, key: request.image.key };
      const { object, downloadMs } = await readOnDemandImage(store, target, config, signal);
      const result = await classifyImage(classifier, object.bytes, options, object);
      return successDocument(sourceOf(target, object), result, downloadMs, meta());
    }
    try {
      const result = await classifyImage(classifier, request.image.bytes, options);
      return successDocument(null, result, 0, meta());
    } catch (error) {
      // A binary body the Function URL passed as text (a text Content-Type) arrives mangled: say so.
      if (
        error instanceof PermanentFailure &&
        error.code === ErrorCode.UNSUPPORTED_FORMAT &&
        request.image.arrivedAsText
      ) {
        throw new PermanentFailure(
          error.code,
          `${error.message} (the body arrived as text${request.image.contentType ? ` with Content-Type ${request.image.contentType}` : ''}: send image bytes with Content-Type application/octet-stream or image/*)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** The HTTP response for the request's outcome; the log has the details, the caller a short answer. */
  function answer(
    outcome: ItemOutcome<FunctionUrlRequest, OnDemandResult>,
    requestId: string,
    context: { getRemainingTimeInMillis(): number },
    target: ObjectLocation | undefined,
  ): FunctionUrlResponse {
    if (outcome.status === 'done') return respond(200, outcome.value);
    const http = outcome.item;
    const where = { method: http.method, path: http.path, requestId };
    if (outcome.status === 'permanent') {
      const { error, code } = outcome;
      const status = error instanceof RequestError ? error.status : statusFor(code);
      const message = messageOf(error);
      logger.warn('on-demand request refused', { ...where, status, errorCode: code, error: message });
      const told = callerAnswer({ status, code, message }, target);
      return refusal(told.status, told.code, told.message, requestId);
    }
    const error =
      outcome.status === 'transient'
        ? outcome.error
        : new DeadlineError(
            `not started: ${context.getRemainingTimeInMillis()} ms were left before the deadline`,
          );
    const code = outcome.status === 'transient' ? outcome.code : ErrorCode.DEADLINE;
    const status = statusFor(code);
    const attributes = { ...where, status, errorCode: code, error: error as Error };
    // Only S3 trouble counts as a transient failure here: a caller retrying a bug gets the same 500.
    if (error instanceof ObjectStoreError && error.transient)
      reportTransient(resolved, 'on-demand request failed transiently', attributes);
    else logger.error('on-demand request failed', attributes);
    // A bug's message is not for the caller; the request id finds it in the logs.
    const message =
      status === 500
        ? `internal error (${code}); see the function's logs for request ${requestId}`
        : messageOf(error);
    const told = callerAnswer({ status, code, message }, target);
    return refusal(told.status, told.code, told.message, requestId);
  }
}

export const functionUrl = defineSource({
  kind: 'function-url',
  constant: 'FUNCTION_URL',
  expects: 'a Function URL request (requestContext.http)',
  // Requests in Rekognition's protocol (X-Amz-Target) belong to the rekognition source.
  matches: (event) =>
    isRecord(event) &&
    isRecord(event.requestContext) &&
    isRecord(event.requestContext.http) &&
    !isRekognitionEvent(event),
  create: createFunctionUrlHandler,
});
