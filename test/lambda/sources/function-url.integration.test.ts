import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { OnDemandError, OnDemandResult } from '../../../function/lambda';
import { type DevServer, startDevServer } from '../../../scripts/lib/dev-server';
import { RecordingLogger } from '../support/fakes';
import { localS3Client } from '../support/local-s3-client';
import { requireRealModel } from '../support/real-classifier';

const MAX_OBJECT_BYTES = 2 * 1024 * 1024;

describe('on-demand endpoint of npm run dev (local Function URL), with the real model', () => {
  let server: DevServer;
  let client: S3Client;
  let images: string;
  const said: string[] = [];

  before(async function () {
    const real = await requireRealModel(this);
    images = real.images;
    server = await startDevServer({
      modelDir: real.modelDir,
      port: 0,
      classifier: real.classifier,
      env: { MAX_OBJECT_BYTES: String(MAX_OBJECT_BYTES) },
      logger: new RecordingLogger(),
      say: (line) => said.push(line),
      print: () => undefined,
    });
    client = localS3Client(server.endpoint);
  });
  after(async () => {
    client?.destroy();
    await server?.close();
  });

  const photo = (name: string) => readFileSync(path.join(images, name));
  const post = (query: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
    fetch(`${server.apiEndpoint}/classify${query}`, { method: 'POST', body, headers });

  it('listens on its own port and says so with a curl line', () => {
    expect(server.apiEndpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.apiPort).to.not.equal(server.port);
    expect(server.instructions).to.include(
      `curl --data-binary @photo.jpg '${server.apiEndpoint}/classify?topK=3'`,
    );
  });

  it('classifies good bytes and answers 200 with the result JSON and topK classes', async () => {
    // Act
    const response = await post('?topK=3', photo('parrot.jpg'), { 'content-type': 'image/jpeg' });

    // Assess
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('application/json');
    expect(response.headers.get('x-amzn-requestid')).to.match(/^[0-9a-f-]{36}$/);
    const doc = (await response.json()) as OnDemandResult;
    expect(doc.source).to.equal(null);
    expect(doc.predictions).to.have.length(3);
    expect(doc.predictions[0]).to.include({ classId: 88, label: 'macaw' });
    expect(doc.line).to.equal('score=0.998615 classid=88 human=macaw');
  });

  it('classifies an S3 reference and says which object (etag) it read', async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: server.bucket,
        Key: 'uploads/ref/hot dog.jpg',
        Body: photo('hot_dog.jpg'),
      }),
    );
    const head = await client.send(
      new HeadObjectCommand({ Bucket: server.bucket, Key: 'uploads/ref/hot dog.jpg' }),
    );
    const response = await post(
      '?topK=1',
      JSON.stringify({ s3: { bucket: server.bucket, key: 'uploads/ref/hot dog.jpg' }, minConfidence: 0.5 }),
      { 'content-type': 'application/json' },
    );
    expect(response.status).to.equal(200);
    const doc = (await response.json()) as OnDemandResult;
    expect(doc.predictions[0]?.classId).to.equal(934);
    expect(`"${doc.source?.etag}"`).to.equal(head.ETag);
  });

  const refusals: Array<
    [string, () => [string, Uint8Array | string, Record<string, string>?], number, string]
  > = [
    [
      'bytes above MAX_OBJECT_BYTES (the function refuses them)',
      () => ['', Buffer.alloc(MAX_OBJECT_BYTES + 1, 0xff)],
      413,
      'IMAGE_TOO_LARGE',
    ],
    [
      'a body whose base64 event passes 6 MB (the Function URL refuses it)',
      () => ['', Buffer.alloc(5_000_000, 0xff)],
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['a body above 6 MB', () => ['', Buffer.alloc(7_000_000, 0xff)], 413, 'PAYLOAD_TOO_LARGE'],
    ['garbage bytes', () => ['', Buffer.from('%PDF-1.7 not an image')], 415, 'UNSUPPORTED_FORMAT'],
    ['a JPEG cut short', () => ['', photo('parrot.jpg').subarray(0, 3000)], 422, 'CORRUPT_IMAGE'],
    [
      'a missing S3 object',
      () => ['', JSON.stringify({ s3: { bucket: 'lambdavision', key: 'uploads/nothing here.jpg' } })],
      404,
      'OBJECT_NOT_FOUND',
    ],
    ['topK=0', () => ['?topK=0', photo('parrot.jpg')], 400, 'INVALID_PARAMETER'],
    ['an empty body', () => ['', ''], 400, 'EMPTY_BODY'],
  ];
  for (const [what, make, status, code] of refusals) {
    it(`answers ${status} ${code} for ${what}`, async () => {
      const [query, body, headers] = make();
      const response = await post(query, body, headers);
      expect(response.status).to.equal(status);
      const answer = (await response.json()) as OnDemandError;
      expect(answer.error.code).to.equal(code);
      expect(answer.error.message).to.be.a('string').and.not.equal('');
    });
  }

  it('answers 405 for GET and keeps serving', async () => {
    const response = await fetch(`${server.apiEndpoint}/classify`);
    expect(response.status).to.equal(405);
    expect(response.headers.get('allow')).to.equal('POST');
    const again = await post('', photo('bird.bmp'));
    expect(again.status).to.equal(200);
    expect(said.some((line) => /^request: GET \/classify \(0 bytes\) -> 405 in \d+ ms$/.test(line))).to.equal(
      true,
    );
  });
});
