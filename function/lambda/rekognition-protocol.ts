import * as z from 'zod';
import { ErrorCode, LambdaVisionError } from '../classifier';
import type { ImageProperties } from '../image-properties';
import type { DetectedLabel, LabelOptions } from '../labels';
import type { FunctionUrlRequest } from './on-demand-request';

/**
 * Amazon Rekognition's DetectLabels over its own wire protocol (AWS JSON 1.1: POST /, X-Amz-Target,
 * Content-Type application/x-amz-json-1.1), so the aws CLI and the AWS SDKs talk to the Function URL
 * unchanged. Pure functions: the request in, the answer out; the event source wires them to the loop.
 */

export const DETECT_LABELS_TARGET = 'RekognitionService.DetectLabels';
export const AMZ_JSON = 'application/x-amz-json-1.1';

export const RekognitionErrorType = {
  INVALID_PARAMETER: 'InvalidParameterException',
  INVALID_IMAGE_FORMAT: 'InvalidImageFormatException',
  IMAGE_TOO_LARGE: 'ImageTooLargeException',
  INVALID_S3_OBJECT: 'InvalidS3ObjectException',
  ACCESS_DENIED: 'AccessDeniedException',
  THROTTLING: 'ThrottlingException',
  INTERNAL_SERVER_ERROR: 'InternalServerError',
} as const;
export type RekognitionErrorType = (typeof RekognitionErrorType)[keyof typeof RekognitionErrorType];

// Rekognition's API reference: every DetectLabels error is a 400 but InternalServerError and
// ThrottlingException (500: the SDKs retry those).
const STATUS: Readonly<Record<RekognitionErrorType, number>> = {
  InvalidParameterException: 400,
  InvalidImageFormatException: 400,
  ImageTooLargeException: 400,
  InvalidS3ObjectException: 400,
  AccessDeniedException: 400,
  ThrottlingException: 500,
  InternalServerError: 500,
};

/** A request refused in Rekognition's terms: its error type, beside the project's stable code. */
export class RekognitionError extends LambdaVisionError {
  readonly type: RekognitionErrorType;
  constructor(type: RekognitionErrorType, code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'RekognitionError';
    this.type = type;
  }
  get status(): number {
    return STATUS[this.type];
  }
}

/** The project's failure codes as Rekognition's error types; anything unlisted is an InternalServerError. */
export const REKOGNITION_ERROR_FOR: Readonly<Partial<Record<ErrorCode, RekognitionErrorType>>> = {
  [ErrorCode.EMPTY_IMAGE]: RekognitionErrorType.INVALID_IMAGE_FORMAT,
  [ErrorCode.UNSUPPORTED_FORMAT]: RekognitionErrorType.INVALID_IMAGE_FORMAT,
  [ErrorCode.CORRUPT_IMAGE]: RekognitionErrorType.INVALID_IMAGE_FORMAT,
  [ErrorCode.IMAGE_TOO_LARGE]: RekognitionErrorType.IMAGE_TOO_LARGE,
  [ErrorCode.OBJECT_TOO_LARGE]: RekognitionErrorType.IMAGE_TOO_LARGE,
  [ErrorCode.INVALID_OPTION]: RekognitionErrorType.INVALID_PARAMETER,
  [ErrorCode.INVALID_PARAMETER]: RekognitionErrorType.INVALID_PARAMETER,
  [ErrorCode.OBJECT_NOT_FOUND]: RekognitionErrorType.INVALID_S3_OBJECT,
  [ErrorCode.OBJECT_NOT_READABLE]: RekognitionErrorType.INVALID_S3_OBJECT,
  [ErrorCode.ACCESS_DENIED]: RekognitionErrorType.ACCESS_DENIED,
  [ErrorCode.S3_THROTTLED]: RekognitionErrorType.THROTTLING,
  [ErrorCode.S3_UNAVAILABLE]: RekognitionErrorType.THROTTLING,
  [ErrorCode.S3_UNREACHABLE]: RekognitionErrorType.THROTTLING,
};

export const rekognitionErrorFor = (code: ErrorCode, message: string): RekognitionError =>
  new RekognitionError(
    REKOGNITION_ERROR_FOR[code] ?? RekognitionErrorType.INTERNAL_SERVER_ERROR,
    code,
    message,
  );

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A Function URL event in Rekognition's protocol: an `X-Amz-Target` naming RekognitionService (Function
 * URLs deliver header names in lower case). The Rekognition source takes these; the JSON API never does.
 */
export function isRekognitionEvent(event: unknown): boolean {
  if (!isRecord(event) || !isRecord(event.requestContext) || !isRecord(event.requestContext.http))
    return false;
  const target = isRecord(event.headers) ? event.headers['x-amz-target'] : undefined;
  return typeof target === 'string' && target.startsWith('RekognitionService.');
}

export const FEATURES = ['GENERAL_LABELS', 'IMAGE_PROPERTIES'] as const;
export type Feature = (typeof FEATURES)[number];

// Rekognition's limits: 5 MB of image bytes in the request, filters of at most 100 names, MaxDominantColors
// 0..12 (10 by default). Unknown fields are refused, as the service's validation does.
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const names = z.array(z.string().min(1).max(100)).max(100).optional();
const requestSchema = z.strictObject({
  Image: z.strictObject({
    Bytes: z.string().optional(),
    S3Object: z
      .strictObject({
        Bucket: z.string().min(3).max(255),
        Name: z.string().min(1).max(1024),
        Version: z.string().min(1).max(1024).optional(),
      })
      .optional(),
  }),
  MaxLabels: z.number().int().min(0).optional(),
  MinConfidence: z.number().min(0).max(100).optional(),
  Features: z.array(z.enum(FEATURES)).max(2).optional(),
  Settings: z
    .strictObject({
      GeneralLabels: z
        .strictObject({
          LabelInclusionFilters: names,
          LabelExclusionFilters: names,
          LabelCategoryInclusionFilters: names,
          LabelCategoryExclusionFilters: names,
        })
        .optional(),
      ImageProperties: z
        .strictObject({ MaxDominantColors: z.number().int().min(0).max(12).optional() })
        .optional(),
    })
    .optional(),
});

export type DetectLabelsImage =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 's3'; bucket: string; key: string; versionId?: string };

export interface DetectLabelsRequest {
  image: DetectLabelsImage;
  features: ReadonlySet<Feature>;
  labels: LabelOptions;
  maxDominantColors: number;
}

const invalid = (message: string) =>
  new RekognitionError(RekognitionErrorType.INVALID_PARAMETER, ErrorCode.INVALID_PARAMETER, message);

/** Reads a DetectLabels request, or throws the RekognitionError the service would answer. */
export function parseDetectLabelsRequest(request: FunctionUrlRequest): DetectLabelsRequest {
  const target = request.headers['x-amz-target'] ?? '';
  if (target !== DETECT_LABELS_TARGET) {
    throw invalid(`operation ${JSON.stringify(target)} is not supported here: only ${DETECT_LABELS_TARGET}`);
  }
  if (request.method !== 'POST') throw invalid(`${request.method} is not allowed: POST the request`);
  const text = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw invalid(`the body is not valid JSON: ${(cause as Error).message}`);
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '),
    );
  }
  const body = parsed.data;
  const { Bytes, S3Object } = body.Image;
  if ((Bytes === undefined) === (S3Object === undefined)) {
    throw invalid('Image must have exactly one of Bytes or S3Object');
  }
  let image: DetectLabelsImage;
  if (Bytes !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(Bytes) || Bytes.length % 4 !== 0) {
      throw new RekognitionError(
        RekognitionErrorType.INVALID_IMAGE_FORMAT,
        ErrorCode.UNSUPPORTED_FORMAT,
        'Image.Bytes is not base64',
      );
    }
    const bytes = Buffer.from(Bytes, 'base64');
    if (bytes.length > MAX_IMAGE_BYTES) {
      throw new RekognitionError(
        RekognitionErrorType.IMAGE_TOO_LARGE,
        ErrorCode.IMAGE_TOO_LARGE,
        `Image.Bytes is ${bytes.length} bytes, above the ${MAX_IMAGE_BYTES} allowed: put larger images in S3`,
      );
    }
    image = { kind: 'bytes', bytes };
  } else {
    const s3 = S3Object as NonNullable<typeof S3Object>;
    image = { kind: 's3', bucket: s3.Bucket, key: s3.Name, ...(s3.Version ? { versionId: s3.Version } : {}) };
  }
  const general = body.Settings?.GeneralLabels;
  const labels: LabelOptions = {
    ...(body.MaxLabels !== undefined ? { maxLabels: body.MaxLabels } : {}),
    ...(body.MinConfidence !== undefined ? { minConfidence: body.MinConfidence } : {}),
    ...(general?.LabelInclusionFilters ? { includeLabels: general.LabelInclusionFilters } : {}),
    ...(general?.LabelExclusionFilters ? { excludeLabels: general.LabelExclusionFilters } : {}),
    ...(general?.LabelCategoryInclusionFilters
      ? { includeCategories: general.LabelCategoryInclusionFilters }
      : {}),
    ...(general?.LabelCategoryExclusionFilters
      ? { excludeCategories: general.LabelCategoryExclusionFilters }
      : {}),
  };
  return {
    image,
    features: new Set(body.Features && body.Features.length > 0 ? body.Features : ['GENERAL_LABELS']),
    labels,
    maxDominantColors: body.Settings?.ImageProperties?.MaxDominantColors ?? 10,
  };
}

const named = (list: readonly string[]) => list.map((Name) => ({ Name }));

/** The DetectLabels answer, in Rekognition's shape. */
export function detectLabelsResponse(answer: {
  labels: readonly DetectedLabel[] | undefined;
  properties: ImageProperties | undefined;
  model: string;
}): Record<string, unknown> {
  const response: Record<string, unknown> = {
    Labels: (answer.labels ?? []).map((l) => ({
      Name: l.name,
      Confidence: l.confidence,
      Instances: [],
      Parents: named(l.parents),
      Aliases: named(l.aliases),
      Categories: named(l.categories),
    })),
    LabelModelVersion: answer.model,
  };
  if (answer.properties) {
    const { quality, dominantColors } = answer.properties;
    response.ImageProperties = {
      Quality: { Brightness: quality.brightness, Sharpness: quality.sharpness, Contrast: quality.contrast },
      DominantColors: dominantColors.map((c) => ({
        Red: c.red,
        Green: c.green,
        Blue: c.blue,
        HexCode: c.hex,
        CSSColor: c.cssColor,
        SimplifiedColor: c.simplifiedColor,
        PixelPercent: c.pixelPercent,
      })),
    };
  }
  return response;
}

export interface ProtocolResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

export function rekognitionResponse(statusCode: number, body: unknown, requestId: string): ProtocolResponse {
  return {
    statusCode,
    headers: { 'content-type': AMZ_JSON, 'x-amzn-requestid': requestId },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** An error as Rekognition sends it: `__type` (which the SDKs and the CLI read) and `Message`. */
export function rekognitionErrorResponse(error: RekognitionError, requestId: string): ProtocolResponse {
  const response = rekognitionResponse(
    error.status,
    { __type: error.type, Message: error.message },
    requestId,
  );
  response.headers['x-amzn-errortype'] = error.type;
  return response;
}
