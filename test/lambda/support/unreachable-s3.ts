import type { S3Client } from '@aws-sdk/client-s3';
import { startLocalS3 } from '../../../scripts/lib/local-s3';
import { localS3Client } from './local-s3-client';

/** An S3 client for a server that has gone away: every call fails to connect, with no retry. */
export async function unreachableS3Client(): Promise<S3Client> {
  const gone = await startLocalS3();
  const client = localS3Client(gone.endpoint, { maxAttempts: 1 });
  await gone.close();
  return client;
}
