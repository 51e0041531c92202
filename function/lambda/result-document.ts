import type { ClassificationResult } from '../classifier';
import type { FailureCode } from './errors';

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
