import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ErrorCode } from '../classifier';
import { awsErrorCode, awsErrorLabel, ObjectStoreError } from './errors';
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

/**
 * The S3 client the deployed function uses. followRegionRedirects: a bucket in another region is asked
 * again there (S3 answers 301 PermanentRedirect with the bucket's region), instead of the 301 surfacing as
 * an unexplained S3_REQUEST_FAILED. `overrides` are for tests (endpoint, credentials).
 */
export function createS3Client(overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({ followRegionRedirects: true, ...overrides });
}

/** Wraps a failed S3 call's error as an ObjectStoreError with the code `awsErrorCode` gives it. */
export function toObjectStoreError(error: unknown, what: string): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const detail = `${what}: ${awsErrorLabel(error)}: ${(error as Error)?.message ?? String(error)}`;
  return new ObjectStoreError(awsErrorCode(error), detail, { cause: error });
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
        ErrorCode.OBJECT_TOO_LARGE,
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
        ErrorCode.OBJECT_TOO_LARGE,
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
      if (failure.code === ErrorCode.OBJECT_NOT_FOUND) return undefined;
      throw failure;
    }
  }
}
