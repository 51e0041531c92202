import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Classifier, formatOriginalLine } from '../classifier';
import { imageProperties } from '../image-properties';
import { detectLabels } from '../labels';
import { itemSignal } from './deadline';
import { ObjectStoreError } from './errors';
import type { resolveDeps } from './handler';
import { classifyImage, codeOf, messageOf, PermanentFailure, readImage } from './object-classification';
import type { FunctionUrlRequest } from './on-demand-request';
import {
  type DetectLabelsRequest,
  detectLabelsResponse,
  type ProtocolResponse,
  parseDetectLabelsRequest,
  RekognitionError,
  RekognitionErrorType,
  rekognitionErrorFor,
  rekognitionErrorResponse,
  rekognitionResponse,
} from './rekognition-protocol';
import { METRIC } from './telemetry';

type Deps = ReturnType<typeof resolveDeps>;

/**
 * The Rekognition-protocol event source: a Function URL request with X-Amz-Target
 * RekognitionService.DetectLabels. Reads the image (request bytes, or S3 through the same object store
 * and limits as every other path), classifies it for every class, merges the classes into labels with
 * parents and, when asked, computes the image's properties. Answers in Rekognition's shape and errors.
 */
export function createDetectLabelsSource(deps: Deps) {
  const { store, logger, metrics, config, print } = deps;

  async function answer(
    http: FunctionUrlRequest,
    classifier: Classifier,
    requestId: string,
    remainingMs: number,
  ): Promise<ProtocolResponse> {
    try {
      const request = parseDetectLabelsRequest(http);
      const { bytes, object } = await read(request, remainingMs);
      const wantsProperties = request.features.has('IMAGE_PROPERTIES');
      const result = await classifyImage(
        classifier,
        bytes,
        { topK: classifier.model.classes, keepPixels: wantsProperties },
        object,
      );
      print(formatOriginalLine(result));
      const labels = request.features.has('GENERAL_LABELS')
        ? detectLabels(result.predictions, request.labels)
        : undefined;
      const properties =
        wantsProperties && result.pixels
          ? imageProperties(result.pixels, { maxDominantColors: Math.max(1, request.maxDominantColors) })
          : undefined;
      if (properties && request.maxDominantColors === 0) properties.dominantColors = [];
      logger.info('labels detected', {
        requestId,
        trigger: 'rekognition',
        model: result.model,
        backend: result.backend,
        labels: labels?.slice(0, 10).map((l) => ({ name: l.name, confidence: l.confidence })),
        image: result.image,
        timings: result.timings,
      });
      metrics.addMetric(METRIC.classified, MetricUnit.Count, 1);
      return rekognitionResponse(
        200,
        detectLabelsResponse({ labels, properties, model: `lambdavision/${result.model}` }),
        requestId,
      );
    } catch (error) {
      return failure(error, requestId);
    }
  }

  async function read(request: DetectLabelsRequest, remainingMs: number) {
    if (request.image.kind === 'bytes') return { bytes: request.image.bytes, object: undefined };
    const { bucket, key, versionId } = request.image;
    const { object } = await readImage(
      store,
      { bucket, key },
      config.maxObjectBytes,
      itemSignal(remainingMs),
    );
    if (versionId && object.versionId && object.versionId !== versionId) {
      throw new RekognitionError(
        RekognitionErrorType.INVALID_S3_OBJECT,
        `s3://${bucket}/${key} version ${versionId} is not its current version; only the current version is read`,
      );
    }
    return { bytes: object.bytes, object };
  }

  function failure(error: unknown, requestId: string): ProtocolResponse {
    if (error instanceof RekognitionError) {
      logger.warn('rekognition request refused', { requestId, errorType: error.type, error: error.message });
      return rekognitionErrorResponse(error, requestId);
    }
    const code = codeOf(error);
    const permanent = error instanceof PermanentFailure;
    const transient = error instanceof ObjectStoreError && error.transient;
    if (transient) metrics.addMetric(METRIC.transient, MetricUnit.Count, 1);
    (permanent ? logger.warn : logger.error).call(logger, 'rekognition request failed', {
      requestId,
      errorCode: code,
      error: error as Error,
    });
    // A bug's message is not for the caller; the request id finds it in the logs.
    const message =
      permanent || transient
        ? messageOf(error)
        : `internal error (${code}); see the function's logs for request ${requestId}`;
    return rekognitionErrorResponse(rekognitionErrorFor(code, message), requestId);
  }

  return answer;
}
