import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../../../scripts/lib/local-s3';

/** An S3 client for a server that has gone away: every call fails to connect, with no retry. */
export async function unreachableS3Client(): Promise<S3Client> {
  const gone = await startLocalS3();
  const client = new S3Client({
    endpoint: gone.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  await gone.close();
  return client;
}
