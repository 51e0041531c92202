import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** Every key under `prefix`, listed page by page. */
export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/**
 * For each object under `prefix`, whether its one result (`results/<key>.json`) describes its current
 * bytes: the result's source-etag metadata equals the object's etag. Also returns result keys that
 * belong to no object (there should be none).
 */
export async function resultStates(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ states: Record<string, 'current' | 'stale' | 'missing'>; orphans: string[] }> {
  const objects = await listKeys(client, bucket, prefix);
  const results = new Set(await listKeys(client, bucket, `results/${prefix}`));
  const states: Record<string, 'current' | 'stale' | 'missing'> = {};
  for (const key of objects) {
    const resultKey = `results/${key}.json`;
    if (!results.has(resultKey)) {
      states[key] = 'missing';
      continue;
    }
    results.delete(resultKey);
    const [object, result] = await Promise.all([
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: resultKey })),
    ]);
    states[key] = `"${result.Metadata?.['source-etag']}"` === object.ETag ? 'current' : 'stale';
  }
  return { states, orphans: [...results] };
}

/** The result document stored for `key` (`results/<key>.json`). */
export async function readResult<T>(client: S3Client, bucket: string, key: string): Promise<T> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `results/${key}.json` }));
  return JSON.parse(await (object.Body?.transformToString() ?? Promise.resolve('{}'))) as T;
}
