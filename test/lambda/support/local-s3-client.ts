import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_REGION } from '../../../scripts/lib/local-s3';

/** An SDK client for a local S3 endpoint (the dev server's, a fault proxy's): path-style, the local key pair. */
export function localS3Client(endpoint: string, options: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_S3_REGION,
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    ...options,
  });
}
