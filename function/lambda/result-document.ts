import { type ClassificationResult, formatOriginalLine } from '../classifier';
import { type DetectedLabel, detectLabels } from '../labels';
import type { FailureCode } from './errors';
import type { StoredObject } from './object-store';

export const RESULT_VERSION = 1;

/** The object a result describes: the etag and version are those of the bytes actually classified. */
export interface ResultSource {
  bucket: string;
  key: string;
  /** null (not absent) when unknown, so every result has the same fields. */
  etag: string | null;
  versionId: string | null;
  eventTime: string | null;
}

interface ResultBase {
  version: typeof RESULT_VERSION;
  source: ResultSource;
  requestId: string;
  processedAt: string;
}

export interface SuccessResult extends ResultBase {
  status: 'ok';
  /** The original system's line for the best class: `score=… classid=… human=…`. */
  line: string;
  model: string;
  backend: ClassificationResult['backend'];
  /** The image decoder that read the image (jimp or sharp). */
  decoder: ClassificationResult['decoder'];
  predictions: ClassificationResult['predictions'];
  /**
   * General labels with parents, as DetectLabels answers by default (confidence 0..100, at least 55):
   * present when the classification kept every class's probability.
   */
  labels?: DetectedLabel[];
  image: ClassificationResult['image'];
  timings: ClassificationResult['timings'] & { downloadMs: number };
}

export interface ErrorResult extends ResultBase {
  status: 'error';
  error: { code: FailureCode; message: string };
}

export type ResultDocument = SuccessResult | ErrorResult;

/**
 * User metadata on the result object, so a reader (or a re-run) can tell which bytes it describes
 * without opening it. S3 metadata is ASCII: etags and version ids are.
 */
export function resultMetadata(doc: ResultDocument): Record<string, string> {
  const metadata: Record<string, string> = { 'result-status': doc.status };
  if (doc.source.etag) metadata['source-etag'] = doc.source.etag;
  if (doc.source.versionId) metadata['source-version-id'] = doc.source.versionId;
  return metadata;
}

export const serializeResult = (doc: ResultDocument): string => `${JSON.stringify(doc, null, 2)}\n`;

/** An object to classify, with what the event already said about it. */
export interface ObjectToClassify {
  bucket: string;
  key: string;
  etag?: string | undefined;
  versionId?: string | undefined;
  eventTime?: string | undefined;
}

/** The object a result describes: the bytes read when there are any, else what the event said. */
export const sourceOf = (target: ObjectToClassify, object: StoredObject | undefined): ResultSource => ({
  bucket: target.bucket,
  key: target.key,
  etag: (object ? object.etag : target.etag) ?? null,
  versionId: (object ? object.versionId : target.versionId) ?? null,
  eventTime: target.eventTime ?? null,
});

/** When and for which request a result was made. */
export interface ResultMeta {
  requestId: string;
  processedAt: string;
}

/** The success document around a classification; `source` is null for bytes that came without a key. */
export function successDocument<S extends ResultSource | null>(
  source: S,
  result: ClassificationResult,
  downloadMs: number,
  meta: ResultMeta,
): Omit<SuccessResult, 'source'> & { source: S } {
  return {
    version: RESULT_VERSION,
    status: 'ok',
    source,
    line: formatOriginalLine(result),
    model: result.model,
    backend: result.backend,
    decoder: result.decoder,
    predictions: result.predictions,
    ...(result.probabilities ? { labels: detectLabels(result.probabilities) } : {}),
    image: result.image,
    timings: { downloadMs, ...result.timings },
    requestId: meta.requestId,
    processedAt: meta.processedAt,
  };
}

/** The error document for a permanent failure of one object. */
export const errorDocument = (
  source: ResultSource,
  error: { code: FailureCode; message: string },
  meta: ResultMeta,
): ErrorResult => ({
  version: RESULT_VERSION,
  status: 'error',
  source,
  error,
  requestId: meta.requestId,
  processedAt: meta.processedAt,
});
