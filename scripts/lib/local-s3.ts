import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { encodeS3Key } from '../../function/lambda';

/** s3rver accepts only this key pair (it checks SigV4 signatures against it). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_S3_REGION = 'us-east-1';

export interface LocalS3Options {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only, by default: this server has no authentication worth the name. */
  address?: string;
  buckets?: string[];
  /** Where objects are kept; a temporary folder (removed on close) when absent. */
  directory?: string;
}

/** An S3 event record as Lambda receives it (key URL-encoded). */
export interface S3NotificationRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string; arn: string }; object: { key: string; size?: number; eTag?: string } };
  [field: string]: unknown;
}

export interface LocalS3 {
  /** e.g. http://127.0.0.1:4569 */
  endpoint: string;
  port: number;
  directory: string;
  /** What the AWS SDK (v3, via AWS_ENDPOINT_URL_S3) and the aws CLI need to talk to this server. */
  env: Record<'AWS_ENDPOINT_URL_S3' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_REGION', string>;
  /** An SDK client for this server (path-style addressing, the local key pair). */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  /** Calls `listener` with each ObjectCreated record, as an S3 notification would carry it. */
  onObjectCreated(listener: (record: S3NotificationRecord) => void): () => void;
  close(): Promise<void>;
}

/**
 * s3rver's events carry the raw key and a malformed ARN; real S3 URL-encodes the key (space as `+`).
 * Rewritten here so the handler sees exactly what it would see on AWS.
 */
export function toNotificationRecord(record: S3NotificationRecord): S3NotificationRecord {
  const bucket = record.s3.bucket.name;
  return {
    ...record,
    s3: {
      ...record.s3,
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${bucket}` },
      object: { ...record.s3.object, key: encodeS3Key(record.s3.object.key) },
    },
  };
}

/**
 * Lets any access key in, as other local S3 emulators do, so that a user's own AWS credentials or profile
 * in the environment work against the local endpoint (they never leave this machine: the endpoint is
 * loopback). s3rver knows one key pair and refuses other key ids before it looks at anything else; it does
 * not verify SigV4 signatures (only the legacy SigV2, which AWS's CLI and SDKs no longer send), so naming
 * its key id instead in the request is all it takes.
 */
function acceptAnyAccessKey(handle: RequestListener): RequestListener {
  const ownKey = LOCAL_S3_CREDENTIALS.accessKeyId;
  return (request, response) => {
    const auth = request.headers.authorization;
    if (auth?.startsWith('AWS4-HMAC-SHA256 ')) {
      request.headers.authorization = auth.replace(/Credential=[^/,\s]+\//, `Credential=${ownKey}/`);
    }
    // A presigned URL carries it in the query string.
    if (request.url?.includes('X-Amz-Credential=')) {
      request.url = request.url.replace(/([?&]X-Amz-Credential=)[^%&/]+(%2F|\/)/i, `$1${ownKey}$2`);
    }
    return handle(request, response);
  };
}

/** Starts an S3 wire-protocol server (s3rver) in this process, on loopback unless told otherwise. */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const owned = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'lambdavision-s3-')));
  const s3rver = new S3rver({
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  await s3rver.configureBuckets();
  // Our own HTTP server: s3rver's run() never settles when the port is taken (its listen callback
  // is not called with the error), so a busy port would hang instead of failing.
  const server = createServer(acceptAnyAccessKey(s3rver.callback()));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.address ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (owned) await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const address = server.address() as AddressInfo;
  const endpoint = `http://${address.address}:${address.port}`;
  const clients: S3Client[] = [];
  const client = (): S3Client => {
    const c = new S3Client({
      endpoint,
      region: LOCAL_S3_REGION,
      credentials: LOCAL_S3_CREDENTIALS,
      forcePathStyle: true,
    });
    clients.push(c);
    return c;
  };

  return {
    endpoint,
    port: address.port,
    directory,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_S3_REGION,
    },
    client,
    async createBucket(name) {
      await client().send(new CreateBucketCommand({ Bucket: name }));
    },
    onObjectCreated(listener) {
      const onEvent = (event: { Records: unknown[] }) => {
        for (const record of event.Records as S3NotificationRecord[]) {
          if (record.eventName.startsWith('ObjectCreated:')) listener(toNotificationRecord(record));
        }
      };
      s3rver.on('event', onEvent);
      return () => s3rver.off('event', onEvent);
    },
    async close() {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      if (owned) await rm(directory, { recursive: true, force: true });
    },
  };
}
