import * as z from 'zod';
import { checkOption, ErrorCode, LambdaVisionError } from '../classifier';
import type { LambdaConfig } from './config';
import { issuesOf, parseEventWith } from './event-schema';

/**
 * The on-demand request, read from a Lambda Function URL event (payload format 2.0, the same as an HTTP
 * API's): image bytes in the body (base64, as the Function URL delivers a binary body), or JSON
 * `{"s3": {"bucket", "key"}}`; `topK` and `minConfidence` (Rekognition's MaxLabels and MinConfidence,
 * the latter as 0..1) from the query string and/or the JSON body.
 */

/** The paths that classify (POST); a Function URL has one host, any path reaches the function. */
export const CLASSIFY_PATHS = ['/', '/classify'] as const;

export const REQUEST_PARAMETERS = ['topK', 'minConfidence'] as const;

export interface FunctionUrlRequest {
  method: string;
  path: string;
  rawQueryString: string;
  /** Names in lower case, as Function URLs deliver them. */
  headers: Record<string, string>;
  body: string | undefined;
  isBase64Encoded: boolean;
}

export type ImageSource =
  | { kind: 'bytes'; bytes: Uint8Array; contentType: string; arrivedAsText: boolean }
  | { kind: 's3'; bucket: string; key: string };

export interface OnDemandRequest {
  image: ImageSource;
  topK: number;
  minConfidence: number;
}

/** A request refused before classification, with the HTTP status it gets. */
export class RequestError extends LambdaVisionError {
  readonly status: number;
  constructor(status: number, code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'RequestError';
    this.status = status;
  }
}

const eventSchema = z.object({
  rawPath: z.string(),
  rawQueryString: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({ http: z.object({ method: z.string(), path: z.string().optional() }) }),
});

/** The HTTP request inside a Function URL event; anything else is an InvalidEventError. */
export function parseFunctionUrlEvent(event: unknown): FunctionUrlRequest {
  const e = parseEventWith(eventSchema, event, 'a Lambda Function URL event');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(e.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: e.requestContext.http.method.toUpperCase(),
    path: e.rawPath,
    rawQueryString: e.rawQueryString ?? '',
    headers,
    body: e.body ?? undefined,
    isBase64Encoded: e.isBase64Encoded ?? false,
  };
}

const bad = (message: string) => new RequestError(400, ErrorCode.INVALID_PARAMETER, message);

/** A numeric parameter checked by the core's rule for it (as the CLI flags and the settings are), as a 400. */
function optionFrom(name: 'topK' | 'minConfidence', value: unknown, where: string): number {
  try {
    return checkOption(name, value, `${name} (${where})`);
  } catch (error) {
    throw bad((error as Error).message);
  }
}

const topKFrom = (value: unknown, where: string): number => optionFrom('topK', value, where);
const minConfidenceFrom = (value: unknown, where: string): number =>
  optionFrom('minConfidence', value, where);

function queryParameters(raw: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    // A request signed in its query string (SigV4 query authentication) carries X-Amz-* parameters.
    if (/^x-amz-/i.test(name)) continue;
    if (!(REQUEST_PARAMETERS as readonly string[]).includes(name)) {
      throw bad(`unknown query parameter ${JSON.stringify(name)} (known: ${REQUEST_PARAMETERS.join(', ')})`);
    }
    if (name in values) throw bad(`query parameter ${name} is given more than once`);
    values[name] = value;
  }
  return values;
}

const s3ReferenceSchema = z.strictObject({
  s3: z.strictObject({ bucket: z.string().min(1), key: z.string().min(1) }),
  topK: z.unknown().optional(),
  minConfidence: z.unknown().optional(),
});

function mediaType(headers: Record<string, string>): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Reads and checks the request. Bytes are taken as an image unless the body is JSON: said so by
 * Content-Type, or (curl's default form type, no type at all) starting with `{`, which no image does.
 */
export function parseOnDemandRequest(
  request: FunctionUrlRequest,
  config: Pick<LambdaConfig, 'topK' | 'minConfidence' | 'maxObjectBytes'>,
): OnDemandRequest {
  const query = queryParameters(request.rawQueryString);
  const body = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length === 0) {
    throw new RequestError(
      400,
      ErrorCode.EMPTY_BODY,
      'the body is empty: POST image bytes, or JSON {"s3": {"bucket": "...", "key": "..."}}',
    );
  }
  const type = mediaType(request.headers);
  const saysJson = type === 'application/json' || type.endsWith('+json');
  const saysBinary = type.startsWith('image/') || type === 'application/octet-stream';
  const looksJson = !saysBinary && /^\s*\{/.test(body.subarray(0, 64).toString('latin1'));

  let image: ImageSource;
  let fromBody: { topK?: unknown; minConfidence?: unknown } = {};
  if (saysJson || looksJson) {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new RequestError(
        400,
        ErrorCode.INVALID_JSON,
        `the body is not valid JSON: ${(cause as Error).message}`,
      );
    }
    const parsed = s3ReferenceSchema.safeParse(json);
    if (!parsed.success) {
      const why = issuesOf(parsed.error, '(body)');
      throw new RequestError(
        400,
        ErrorCode.INVALID_REQUEST,
        `expected {"s3": {"bucket": "...", "key": "..."}, "topK"?: n, "minConfidence"?: p}: ${why}`,
      );
    }
    image = { kind: 's3', bucket: parsed.data.s3.bucket, key: parsed.data.s3.key };
    fromBody = parsed.data;
  } else {
    if (body.length > config.maxObjectBytes) {
      throw new RequestError(
        413,
        ErrorCode.IMAGE_TOO_LARGE,
        `the image is ${body.length} bytes, above the ${config.maxObjectBytes} allowed (MAX_OBJECT_BYTES)`,
      );
    }
    image = { kind: 'bytes', bytes: body, contentType: type, arrivedAsText: !request.isBase64Encoded };
  }

  const pick = <T>(
    name: 'topK' | 'minConfidence',
    read: (v: unknown, where: string) => T,
    fallback: T,
  ): T => {
    const q = query[name] === undefined ? undefined : read(query[name], 'query string');
    const b = fromBody[name] === undefined ? undefined : read(fromBody[name], 'JSON body');
    if (q !== undefined && b !== undefined && q !== b) {
      throw bad(`${name} is given twice with different values (query string ${q}, JSON body ${b})`);
    }
    return q ?? b ?? fallback;
  };
  return {
    image,
    topK: pick('topK', topKFrom, config.topK),
    minConfidence: pick('minConfidence', minConfidenceFrom, config.minConfidence),
  };
}
