import { Readable } from 'node:stream';
import { HeadObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { ErrorCode } from '../../function/classifier';
import { ObjectStoreError } from '../../function/lambda/errors';
import { S3ObjectStore, toObjectStoreError } from '../../function/lambda/s3-object-store';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';

const serviceError = (name: string, status: number, fault: 'client' | 'server' = 'client') =>
  new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: name });

const networkError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

async function storeError(promise: Promise<unknown>): Promise<ObjectStoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ObjectStoreError) return error;
    throw error;
  }
  throw new Error('expected an ObjectStoreError');
}

/** An S3Client stand-in answering GetObject with `response`, noting whether the body was read. */
function clientAnswering(response: { ContentLength?: number; body: Buffer }) {
  const state = { bodyRead: false, destroyed: false };
  const body = new Readable({
    read() {
      state.bodyRead = true;
      this.push(response.body);
      this.push(null);
    },
  });
  body.on('close', () => {
    state.destroyed = true;
  });
  const client = {
    send: async () => ({ ContentLength: response.ContentLength, ETag: '"abc"', Body: body }),
  } as unknown as S3Client;
  return { client, state };
}

describe('S3 object store', () => {
  describe('error mapping', () => {
    const permanent: Array<[string, unknown, ErrorCode]> = [
      [
        'NoSuchKey',
        new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } }),
        'OBJECT_NOT_FOUND',
      ],
      ['NoSuchBucket', serviceError('NoSuchBucket', 404), 'OBJECT_NOT_FOUND'],
      ['a bare 404 (HeadObject)', serviceError('NotFound', 404), 'OBJECT_NOT_FOUND'],
      ['AccessDenied', serviceError('AccessDenied', 403), 'ACCESS_DENIED'],
      ['a bare 403', serviceError('Forbidden', 403), 'ACCESS_DENIED'],
      ['InvalidObjectState (archived)', serviceError('InvalidObjectState', 403), 'OBJECT_NOT_READABLE'],
    ];
    for (const [what, error, code] of permanent) {
      it(`calls ${what} permanent (${code})`, () => {
        const mapped = toObjectStoreError(error, 'cannot read s3://b/k');
        expect(mapped).to.include({ code, transient: false });
        expect(mapped.cause).to.equal(error);
        expect(mapped.message).to.match(/^cannot read s3:\/\/b\/k: /);
      });
    }

    const transient: Array<[string, unknown, ErrorCode]> = [
      ['InternalError 500', serviceError('InternalError', 500, 'server'), 'S3_UNAVAILABLE'],
      ['ServiceUnavailable 503', serviceError('ServiceUnavailable', 503, 'server'), 'S3_THROTTLED'],
      ['SlowDown', serviceError('SlowDown', 503, 'server'), 'S3_THROTTLED'],
      ['a 429', serviceError('TooManyRequests', 429), 'S3_THROTTLED'],
      ['ECONNREFUSED', networkError('ECONNREFUSED'), 'S3_UNREACHABLE'],
      ['ECONNRESET', networkError('ECONNRESET'), 'S3_UNREACHABLE'],
      [
        'a socket TimeoutError',
        Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
        'S3_UNREACHABLE',
      ],
      ['an unknown 400', serviceError('ExpiredToken', 400), 'S3_REQUEST_FAILED'],
      ['a non-error value', 'boom', 'S3_REQUEST_FAILED'],
    ];
    for (const [what, error, code] of transient) {
      it(`calls ${what} transient (${code})`, () => {
        expect(toObjectStoreError(error, 'op')).to.include({ code, transient: true });
      });
    }

    it('passes an ObjectStoreError through unchanged', () => {
      const error = new ObjectStoreError(ErrorCode.OBJECT_TOO_LARGE, 'big');
      expect(toObjectStoreError(error, 'op')).to.equal(error);
    });
  });

  describe('size cap', () => {
    it('refuses an object from its Content-Length without reading the body', async () => {
      // Prepare
      const { client, state } = clientAnswering({ ContentLength: 2048, body: Buffer.alloc(2048) });

      // Act
      const error = await storeError(
        new S3ObjectStore(client).get({ bucket: 'b', key: 'k', maxBytes: 1024 }),
      );

      // Assess
      expect(error).to.include({ code: 'OBJECT_TOO_LARGE', transient: false });
      expect(error.message).to.match(/2048 bytes, above the 1024 allowed \(MAX_OBJECT_BYTES\)/);
      expect(state.bodyRead).to.equal(false);
    });

    it('stops reading a body without a length once it passes the cap', async () => {
      const { client } = clientAnswering({ body: Buffer.alloc(4096) });
      const error = await storeError(
        new S3ObjectStore(client).get({ bucket: 'b', key: 'k', maxBytes: 1024 }),
      );
      expect(error).to.include({ code: 'OBJECT_TOO_LARGE', transient: false });
    });

    it('reads an object at the cap', async () => {
      const { client } = clientAnswering({ ContentLength: 1024, body: Buffer.alloc(1024, 7) });
      const object = await new S3ObjectStore(client).get({ bucket: 'b', key: 'k', maxBytes: 1024 });
      expect(object.bytes.length).to.equal(1024);
      expect(object.etag).to.equal('abc');
    });
  });

  describe('over a local S3 server', () => {
    let s3: LocalS3;
    let store: S3ObjectStore;
    before(async () => {
      s3 = await startLocalS3({ buckets: ['store-test'] });
      store = new S3ObjectStore(s3.client());
    });
    after(async () => {
      await s3?.close();
    });

    it('writes an object with its content type and metadata, and reads it back with a bare etag', async () => {
      // Prepare
      const key = 'results/uploads/a b+ü.jpg.json';

      // Act
      const written = await store.put({
        bucket: 'store-test',
        key,
        body: '{"ok":true}',
        contentType: 'application/json',
        metadata: { 'source-etag': 'abc' },
      });
      const read = await store.get({ bucket: 'store-test', key, maxBytes: 1024 });
      const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'store-test', Key: key }));

      // Assess
      expect(Buffer.from(read.bytes).toString()).to.equal('{"ok":true}');
      expect(read.etag).to.match(/^[0-9a-f]{32}$/);
      expect(read.etag).to.equal(written.etag);
      expect(read.contentType).to.equal('application/json');
      expect(head.Metadata).to.deep.equal({ 'source-etag': 'abc' });
    });

    it('reports a missing key and a missing bucket as OBJECT_NOT_FOUND, permanent', async () => {
      const missingKey = await storeError(store.get({ bucket: 'store-test', key: 'nope', maxBytes: 10 }));
      const missingBucket = await storeError(store.get({ bucket: 'no-such-bucket', key: 'k', maxBytes: 10 }));
      expect(missingKey).to.include({ code: 'OBJECT_NOT_FOUND', transient: false });
      expect(missingBucket).to.include({ code: 'OBJECT_NOT_FOUND', transient: false });
    });

    it('reports a server that does not answer as S3_UNREACHABLE, transient', async () => {
      // Prepare: a server started and stopped, so its port refuses connections.
      const gone = await startLocalS3();
      const client = new S3Client({
        endpoint: gone.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        forcePathStyle: true,
        maxAttempts: 1,
      });
      await gone.close();

      // Act
      const error = await storeError(new S3ObjectStore(client).get({ bucket: 'b', key: 'k', maxBytes: 10 }));

      // Assess
      expect(error).to.include({ code: 'S3_UNREACHABLE', transient: true });
      client.destroy();
    });

    it('gives up when the abort signal fires (the deadline), as a transient failure', async () => {
      const error = await storeError(
        store.get({
          bucket: 'store-test',
          key: 'results/uploads/a b+ü.jpg.json',
          maxBytes: 10,
          signal: AbortSignal.abort(),
        }),
      );
      expect(error).to.include({ code: 'S3_UNREACHABLE', transient: true });
    });
  });
});
