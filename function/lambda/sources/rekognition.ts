import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Classifier, ErrorCode, formatOriginalLine } from '../../classifier';
import { imageProperties } from '../../image-properties';
import { detectLabels } from '../../labels';
import { messageOf } from '../errors';
import { type HandlerDeps, resolveDeps } from '../handler-deps';
import type { FunctionUrlResponse } from '../http-response';
import { withInvocation } from '../invocation';
import { callerAnswer, readOnDemandImage } from '../on-demand-object';
import { type FunctionUrlRequest, parseFunctionUrlEvent } from '../on-demand-request';
import { classifyImage } from '../read-and-classify';
import {
  type DetectLabelsRequest,
  detectLabelsResponse,
  isRekognitionEvent,
  parseDetectLabelsRequest,
  RekognitionError,
  RekognitionErrorType,
  rekognitionErrorFor,
  rekognitionErrorResponse,
  rekognitionResponse,
} from '../rekognition-protocol';
import type { ObjectLocation } from '../result-key';
import { type ItemOutcome, runItem } from '../run-items';
import { METRIC } from '../telemetry';
import { defineSource, type SourceHandler } from './event-source';

/**
 * Rekognition's DetectLabels on the Function URL: a request with `X-Amz-Target:
 * RekognitionService.DetectLabels` is the loop's one item. The image comes from the request's bytes or
 * from S3 through the same object store, limits and signal as every other path; the classifier scores
 * every class, the labels wing merges them into labels with parents, and the image-properties wing
 * answers IMAGE_PROPERTIES. Answers and errors are Rekognition's (rekognition-protocol.ts).
 */
export function createRekognitionHandler(deps: HandlerDeps): SourceHandler<FunctionUrlResponse> {
  const resolved = resolveDeps(deps);
  const { store, logger, metrics, config, print } = resolved;

  return (event, context) =>
    withInvocation(resolved, context, async ({ model, isColdStart }) => {
      const http = parseFunctionUrlEvent(event);
      const requestId = context.awsRequestId;
      // The S3 object a request names: its failures answer like a missing object (on-demand-object.ts).
      let target: ObjectLocation | undefined;
      const outcome = await runItem(http, context, async (item, signal) => {
        const request = parseDetectLabelsRequest(item);
        if (request.image.kind === 's3') target = { bucket: request.image.bucket, key: request.image.key };
        return answer(request, await model(), signal, { requestId, isColdStart });
      });
      return respond(outcome, requestId, target);
    });

  async function answer(
    request: DetectLabelsRequest,
    classifier: Classifier,
    signal: AbortSignal,
    run: { requestId: string; isColdStart: boolean },
  ): Promise<Record<string, unknown>> {
    let bytes: Uint8Array;
    let object: Awaited<ReturnType<typeof readOnDemandImage>>['object'] | undefined;
    if (request.image.kind === 's3') {
      const { bucket, key, versionId } = request.image;
      ({ object } = await readOnDemandImage(store, { bucket, key }, config, signal));
      if (versionId && object.versionId && object.versionId !== versionId) {
        throw new RekognitionError(
          RekognitionErrorType.INVALID_S3_OBJECT,
          ErrorCode.OBJECT_NOT_FOUND,
          `s3://${bucket}/${key} version ${versionId} is not its current version; only the current version is read`,
        );
      }
      bytes = object.bytes;
    } else {
      bytes = request.image.bytes;
    }
    const wantsProperties = request.features.has('IMAGE_PROPERTIES');
    // Every class's probability: a parent's confidence is the sum over all the classes below it.
    const result = await classifyImage(
      classifier,
      bytes,
      { topK: 1, allProbabilities: true, keepPixels: wantsProperties },
      object,
    );
    print(formatOriginalLine(result));
    const labels = request.features.has('GENERAL_LABELS')
      ? detectLabels(result.probabilities ?? result.predictions, request.labels)
      : undefined;
    const properties =
      wantsProperties && result.pixels
        ? imageProperties(result.pixels, { maxDominantColors: Math.max(1, request.maxDominantColors) })
        : undefined;
    if (properties && request.maxDominantColors === 0) properties.dominantColors = [];
    logger.info('labels detected', {
      ...(request.image.kind === 's3' ? { bucket: request.image.bucket, key: request.image.key } : {}),
      ...run,
      trigger: 'rekognition',
      model: result.model,
      backend: result.backend,
      labels: labels?.slice(0, 10).map((l) => ({ name: l.name, confidence: l.confidence })),
      image: result.image,
      timings: result.timings,
    });
    metrics.addMetric(METRIC.classified, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.duration, MetricUnit.Milliseconds, result.timings.totalMs);
    return detectLabelsResponse({ labels, properties, model: `lambdavision/${result.model}` });
  }

  function respond(
    outcome: ItemOutcome<FunctionUrlRequest, Record<string, unknown>>,
    requestId: string,
    target: ObjectLocation | undefined,
  ): FunctionUrlResponse {
    if (outcome.status === 'done') return rekognitionResponse(200, outcome.value, requestId);
    if (outcome.status === 'not-reached') {
      const error = rekognitionErrorFor(ErrorCode.DEADLINE, 'not started: too little time was left');
      logger.error('rekognition request not started', { requestId, errorCode: ErrorCode.DEADLINE });
      return rekognitionErrorResponse(error, requestId);
    }
    const { error, code } = outcome;
    if (error instanceof RekognitionError) {
      logger.warn('rekognition request refused', { requestId, errorType: error.type, error: error.message });
      return rekognitionErrorResponse(error, requestId);
    }
    const permanent = outcome.status === 'permanent';
    // What the caller is told: gone, forbidden and outside the prefixes alike; no S3 text.
    const told = callerAnswer({ status: 0, code, message: messageOf(error) }, target);
    const mapped = rekognitionErrorFor(told.code as ErrorCode, told.message);
    if (permanent) {
      logger.warn('rekognition request refused', {
        requestId,
        errorCode: code,
        errorType: mapped.type,
        error: messageOf(error),
      });
      return rekognitionErrorResponse(mapped, requestId);
    }
    if (mapped.type !== RekognitionErrorType.INTERNAL_SERVER_ERROR)
      metrics.addMetric(METRIC.transient, MetricUnit.Count, 1);
    logger.error('rekognition request failed', { requestId, errorCode: code, error: error as Error });
    // A bug's message is not for the caller; the request id finds it in the logs.
    return rekognitionErrorResponse(
      mapped.type === RekognitionErrorType.INTERNAL_SERVER_ERROR
        ? rekognitionErrorFor(
            code,
            `internal error (${code}); see the function's logs for request ${requestId}`,
          )
        : mapped,
      requestId,
    );
  }
}

export const rekognition = defineSource({
  kind: 'rekognition',
  constant: 'REKOGNITION',
  expects: 'a Rekognition-protocol request (a Function URL request with X-Amz-Target RekognitionService.*)',
  matches: isRekognitionEvent,
  create: createRekognitionHandler,
});
