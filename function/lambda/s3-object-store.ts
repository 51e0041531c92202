import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectStoreError, RecordErrorCode } from './errors';
import {
  bareEtag,
  type GetObjectRequest,
  type HeadObjectRequest,
  type ObjectHead,
  type ObjectStore,
  type PutObjectRequest,
  type PutObjectResult,
  type StoredObject,
} from './object-store';

/** Errors that retrying cannot fix: the object is gone, or the function may not read it. */
const PERMANENT: Readonly<Record<string, RecordErrorCode>> = {
  NoSuchKey: RecordErrorCode.OBJECT_NOT_FOUND,
  NoSuchBucket: RecordErrorCode.OBJECT_NOT_FOUND,
  NoSuchVersion: RecordErrorCode.OBJECT_NOT_FOUND,
  NotFound: RecordErrorCode.OBJECT_NOT_FOUND,
  AccessDenied: RecordErrorCode.ACCESS_DENIED,
  AllAccessDisabled: RecordErrorCode.ACCESS_DENIED,
  Forbidden: RecordErrorCode.ACCESS_DENIED,
  InvalidObjectState: RecordErrorCode.OBJECT_NOT_READABLE,
};

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

// Node's socket and DNS errors: the request never got an answer.
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Sorts an S3 SDK error into a stable code and permanent/transient. Only known "gone" and "forbidden"
 * answers are permanent; everything else is retried, because Lambda's retries end in the failure
 * destination, whereas a record wrongly called permanent is lost.
 */
export function toObjectStoreError(error: unknown, what: string): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsLikeError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const detail = `${what}: ${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${(error as Error)?.message ?? String(error)}`;
  const permanent = PERMANENT[name] ?? (status === 404 ? RecordErrorCode.OBJECT_NOT_FOUND : undefined);
  if (permanent) return new ObjectStoreError(permanent, false, detail, { cause: error });
  if (status === 403)
    return new ObjectStoreError(RecordErrorCode.ACCESS_DENIED, false, detail, { cause: error });
  let code: RecordErrorCode = RecordErrorCode.S3_REQUEST_FAILED;
  if (THROTTLING.has(name) || status === 429 || status === 503) code = RecordErrorCode.S3_THROTTLED;
  else if (status !== undefined && status >= 500) code = RecordErrorCode.S3_UNAVAILABLE;
  else if (NETWORK.has(e.code ?? '') || name === 'TimeoutError' || name === 'AbortError')
    code = RecordErrorCode.S3_UNREACHABLE;
  return new ObjectStoreError(code, true, detail, { cause: error });
}

/** Reads a body stream into one buffer, giving up past `maxBytes` (for objects without a usable length). */
async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new ObjectStoreError(
        RecordErrorCode.OBJECT_TOO_LARGE,
        false,
        `${what} is larger than the ${maxBytes} bytes allowed (MAX_OBJECT_BYTES)`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The ObjectStore over S3 with the AWS SDK v3; the client is injected (endpoint, retries, credentials). */
export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;

  constructor(client: S3Client) {
    this.#client = client;
  }

  async get({ bucket, key, maxBytes, signal }: GetObjectRequest): Promise<StoredObject> {
    const what = `s3://${bucket}/${key}`;
    let response: GetObjectCommandOutput;
    try {
      response = await this.#client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: signal,
      });
    } catch (error) {
      throw toObjectStoreError(error, `cannot read ${what}`);
    }
    const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    // Refuse from the header: an oversize body is never downloaded.
    if (response.ContentLength !== undefined && response.ContentLength > maxBytes) {
      body?.destroy?.();
      throw new ObjectStoreError(
        RecordErrorCode.OBJECT_TOO_LARGE,
        false,
        `${what} is ${response.ContentLength} bytes, above the ${maxBytes} allowed (MAX_OBJECT_BYTES)`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = body ? await readCapped(body, maxBytes, what) : new Uint8Array(0);
    } catch (error) {
      body?.destroy?.();
      throw toObjectStoreError(error, `cannot read the body of ${what}`);
    }
    return {
      bytes,
      etag: bareEtag(response.ETag),
      versionId: response.VersionId,
      contentType: response.ContentType,
    };
  }

  async put({
    bucket,
    key,
    body,
    contentType,
    metadata,
    signal,
  }: PutObjectRequest): Promise<PutObjectResult> {
    try {
      const response = await this.#client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: metadata,
        }),
        { abortSignal: signal },
      );
      return { etag: bareEtag(response.ETag), versionId: response.VersionId };
    } catch (error) {
      throw toObjectStoreError(error, `cannot write s3://${bucket}/${key}`);
    }
  }

  async head({ bucket, key, signal }: HeadObjectRequest): Promise<ObjectHead | undefined> {
    try {
      const response = await this.#client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: signal,
      });
      return {
        etag: bareEtag(response.ETag),
        versionId: response.VersionId,
        contentLength: response.ContentLength,
        metadata: response.Metadata ?? {},
      };
    } catch (error) {
      const failure = toObjectStoreError(error, `cannot read the headers of s3://${bucket}/${key}`);
      if (failure.code === RecordErrorCode.OBJECT_NOT_FOUND) return undefined;
      throw failure;
    }
  }
}
