import {
  type HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type PutObjectCommand,
  type PutObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { bareEtag, encodeS3Key } from '../../function/lambda';

/** The S3 calls the backfill makes; an S3Client is one, tests hand in a recorder. */
export interface BackfillS3 {
  send(command: ListObjectsV2Command): Promise<ListObjectsV2CommandOutput>;
  send(command: PutObjectCommand): Promise<PutObjectCommandOutput>;
  send(command: HeadObjectCommand): Promise<HeadObjectCommandOutput>;
}

export interface ListedObject {
  key: string;
  /** Bare, as results record it. */
  etag: string | undefined;
  size: number | undefined;
}

/**
 * Every object under `prefix`, page by page (ListObjectsV2, 1000 a page), leaving out keys under any of
 * `exclude` (the function's results) and "folder" placeholders (keys ending in `/`).
 */
export async function* listObjects(
  s3: BackfillS3,
  bucket: string,
  prefix: string,
  exclude: readonly string[] = [],
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) {
      const key = item.Key;
      if (!key || key.endsWith('/') || exclude.some((p) => p !== '' && key.startsWith(p))) continue;
      yield { key, etag: bareEtag(item.ETag), size: item.Size };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * One `bucket,key` line per object, no header: the S3BatchOperations_CSV_20180820 format. Keys are
 * URL-encoded as Batch Operations requires (as Python's quote_plus with "/" kept, the way S3 events
 * encode them), which also keeps commas and newlines in keys from breaking the CSV.
 */
export const manifestLine = (bucket: string, key: string): string => `${bucket},${encodeS3Key(key)}\n`;
