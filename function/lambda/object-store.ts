/**
 * What the handler needs from object storage. The S3 implementation is in s3-object-store.ts; tests hand
 * in fakes. Failures are thrown as ObjectStoreError, already sorted into permanent and transient.
 */
export interface ObjectStore {
  /** Reads a whole object, refusing one above `maxBytes` before its body is read. */
  get(request: GetObjectRequest): Promise<StoredObject>;
  put(request: PutObjectRequest): Promise<PutObjectResult>;
  /**
   * Reads an object's headers and user metadata; undefined when there is no such object. Optional: only
   * the "is this result current?" check needs it, and a store without it never skips an object.
   */
  head?(request: HeadObjectRequest): Promise<ObjectHead | undefined>;
}

export interface HeadObjectRequest {
  bucket: string;
  key: string;
  signal?: AbortSignal;
}

export interface ObjectHead {
  /** Without the quotes. */
  etag: string | undefined;
  versionId: string | undefined;
  contentLength: number | undefined;
  /** User metadata (x-amz-meta-*), names in lower case. */
  metadata: Record<string, string>;
}

export interface GetObjectRequest {
  bucket: string;
  key: string;
  maxBytes: number;
  signal?: AbortSignal;
}

export interface StoredObject {
  bytes: Uint8Array;
  /** Without the quotes S3 puts around it. */
  etag: string | undefined;
  versionId: string | undefined;
  contentType: string | undefined;
}

export interface PutObjectRequest {
  bucket: string;
  key: string;
  body: string | Uint8Array;
  contentType: string;
  /** User metadata (x-amz-meta-*); S3 allows US-ASCII values only. */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

export interface PutObjectResult {
  etag: string | undefined;
  versionId: string | undefined;
}

/** S3 quotes ETags in headers and leaves them bare in events; we keep them bare. */
export const bareEtag = (etag: string | undefined): string | undefined => etag?.replace(/^"(.*)"$/, '$1');
