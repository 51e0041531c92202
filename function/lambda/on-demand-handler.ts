import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { type Classifier, ErrorCode } from '../classifier';
import { itemSignal } from './deadline';
import { type FailureCode, ObjectStoreError, RecordErrorCode, RequestErrorCode } from './errors';
import { type HandlerDeps, resolveDeps } from './handler';
import { withInvocation } from './invocation';
import {
  classifyImage,
  codeOf,
  messageOf,
  PermanentFailure,
  readImage,
  sourceOf,
  successDocument,
} from './object-classification';
import {
  CLASSIFY_PATHS,
  type FunctionUrlRequest,
  type OnDemandRequest,
  parseFunctionUrlEvent,
  parseOnDemandRequest,
  RequestError,
} from './on-demand-request';
import { isRekognitionRequest } from './rekognition-protocol';
import { createDetectLabelsSource } from './rekognition-source';
import type { ResultSource, SuccessResult } from './result-document';
import { METRIC } from './telemetry';

/** What a Function URL (buffered) turns into the HTTP response. */
export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

export type OnDemandHandler = (event: unknown, context: Context) => Promise<FunctionUrlResponse>;

/** The 200 body: the same document as a stored result; `source` is null for bytes sent in the request. */
export type OnDemandResult = Omit<SuccessResult, 'source'> & { source: ResultSource | null };

/** The error body: a stable code to branch on and a message for people. */
export interface OnDemandError {
  error: { code: string; message: string };
  requestId: string;
}

/** The HTTP status for each failure code; anything not listed is a 500. */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  [RequestErrorCode.INVALID_PARAMETER]: 400,
  [RequestErrorCode.INVALID_JSON]: 400,
  [RequestErrorCode.INVALID_REQUEST]: 400,
  [RequestErrorCode.EMPTY_BODY]: 400,
  [ErrorCode.EMPTY_IMAGE]: 400,
  [ErrorCode.INVALID_OPTION]: 400,
  [RecordErrorCode.ACCESS_DENIED]: 403,
  [RecordErrorCode.OBJECT_NOT_FOUND]: 404,
  [RequestErrorCode.ROUTE_NOT_FOUND]: 404,
  [RequestErrorCode.METHOD_NOT_ALLOWED]: 405,
  // S3 itself answers 403 InvalidObjectState for an archived object: it exists, but not in a state to read.
  [RecordErrorCode.OBJECT_NOT_READABLE]: 409,
  [ErrorCode.IMAGE_TOO_LARGE]: 413,
  [RecordErrorCode.OBJECT_TOO_LARGE]: 413,
  [RequestErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_FORMAT]: 415,
  [ErrorCode.CORRUPT_IMAGE]: 422,
  [RecordErrorCode.S3_REQUEST_FAILED]: 502,
  [RecordErrorCode.S3_UNAVAILABLE]: 503,
  [RecordErrorCode.S3_THROTTLED]: 503,
  [RecordErrorCode.S3_UNREACHABLE]: 503,
  [RecordErrorCode.DEADLINE]: 504,
};

export const statusFor = (code: string): number => HTTP_STATUS[code] ?? 500;

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

function respond(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): FunctionUrlResponse {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: `${JSON.stringify(body, null, 2)}\n`,
    isBase64Encoded: false,
  };
}

function refusal(status: number, code: string, message: string, requestId: string): FunctionUrlResponse {
  const body: OnDemandError = { error: { code, message }, requestId };
  const extra: Record<string, string> = {};
  if (status === 405) extra.allow = 'POST';
  if (status === 503) extra['retry-after'] = '1';
  return respond(status, body, extra);
}

/**
 * Builds the on-demand handler (Lambda Function URL, buffered, or an HTTP API with payload 2.0): POST
 * image bytes or an S3 reference to `/classify` (or `/`), get the result JSON back. Nothing is written
 * to S3. The classifier is the one the upload path uses (the same init promise). Bad requests get a 4xx
 * with a stable code; transient S3 trouble a 503; a bug or a model that failed to load a 500.
 */
export function createOnDemandHandler(deps: HandlerDeps): OnDemandHandler {
  const resolved = resolveDeps(deps);
  const { store, logger, metrics, config, print, now } = resolved;
  const detectLabels = createDetectLabelsSource(resolved);

  return (event, context) =>
    withInvocation(resolved, context, async ({ isColdStart, model }) => {
      const requestId = context.awsRequestId;
      let http: FunctionUrlRequest | undefined;
      try {
        http = parseFunctionUrlEvent(event);
        if (isRekognitionRequest(http)) {
          return await detectLabels(http, await model(), requestId, context.getRemainingTimeInMillis());
        }
        const request = route(http);
        const classifier = await model();
        const doc = await classify(request, classifier, requestId, context.getRemainingTimeInMillis());
        print(doc.line);
        logger.info('classified', {
          ...(doc.source ? { bucket: doc.source.bucket, key: doc.source.key, etag: doc.source.etag } : {}),
          requestId,
          coldStart: isColdStart,
          trigger: 'function-url',
          backend: doc.backend,
          model: doc.model,
          topK: doc.predictions.map((p) => ({
            classId: p.classId,
            label: p.label,
            probability: p.probability,
          })),
          image: doc.image,
          timings: doc.timings,
        });
        metrics.addMetric(METRIC.classified, MetricUnit.Count, 1);
        metrics.addMetric(METRIC.duration, MetricUnit.Milliseconds, doc.timings.totalMs);
        return respond(200, doc);
      } catch (error) {
        if (!http) throw error; // not a Function URL event: the invocation fails, as for any bad event
        return failure(error, http, requestId);
      }
    });

  function route(http: FunctionUrlRequest): OnDemandRequest {
    const path = http.path.replace(/\/+$/, '') || '/';
    if (!(CLASSIFY_PATHS as readonly string[]).includes(path)) {
      throw new RequestError(
        404,
        RequestErrorCode.ROUTE_NOT_FOUND,
        `no such path ${JSON.stringify(http.path)}: POST to /classify`,
      );
    }
    if (http.method !== 'POST') {
      throw new RequestError(
        405,
        RequestErrorCode.METHOD_NOT_ALLOWED,
        `${http.method} is not allowed: POST the image (or an S3 reference) to /classify`,
      );
    }
    return parseOnDemandRequest(http, config);
  }

  async function classify(
    request: OnDemandRequest,
    classifier: Classifier,
    requestId: string,
    remainingMs: number,
  ): Promise<OnDemandResult> {
    const options = { topK: request.topK, minConfidence: request.minConfidence };
    const meta = () => ({ requestId, processedAt: now().toISOString() });
    if (request.image.kind === 's3') {
      const target = { bucket: request.image.bucket, key: request.image.key };
      const { object, downloadMs } = await readImage(
        store,
        target,
        config.maxObjectBytes,
        itemSignal(remainingMs),
      );
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
          undefined,
          error,
        );
      }
      throw error;
    }
  }

  function failure(error: unknown, http: FunctionUrlRequest, requestId: string): FunctionUrlResponse {
    const where = { method: http.method, path: http.path, requestId };
    if (error instanceof RequestError || error instanceof PermanentFailure) {
      const status = error instanceof RequestError ? error.status : statusFor(error.code);
      logger.warn('on-demand request refused', {
        ...where,
        status,
        errorCode: error.code,
        error: error.message,
      });
      return refusal(status, error.code, error.message, requestId);
    }
    const code: FailureCode = codeOf(error);
    const status = statusFor(code);
    const transient = error instanceof ObjectStoreError && error.transient;
    logger.error(transient ? 'on-demand request failed transiently' : 'on-demand request failed', {
      ...where,
      status,
      errorCode: code,
      error: error as Error,
    });
    if (transient) metrics.addMetric(METRIC.transient, MetricUnit.Count, 1);
    // A bug's message is not for the caller; the request id finds it in the logs.
    const message =
      status === 500
        ? `internal error (${code}); see the function's logs for request ${requestId}`
        : messageOf(error);
    return refusal(status, code, message, requestId);
  }
}
