import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createFunctionUrlHandler, type FunctionUrlResponse } from '../../function/lambda';
import { createS3Client, S3ObjectStore } from '../../function/lambda/s3-object-store';
import {
  LOCAL_S3_CREDENTIALS,
  LOCAL_S3_REGION,
  type LocalS3,
  startLocalS3,
} from '../../scripts/lib/local-s3';
import { type FaultProxy, startFaultProxy } from '../hostile/support/fault-proxy';
import { fakeClassifier, lambdaContext, RecordingLogger, testConfig } from './support/fakes';
import { loadFixture } from './support/fixtures';
import { localS3Client } from './support/local-s3-client';
import { s3HandlerDeps } from './support/s3-handler-deps';

const BUCKET = 'lambdavision';
// What S3 says when the function's role may not read an object: it names the role and the account.
const DENIED_MESSAGE =
  'User: arn:aws:sts::123456789012:assumed-role/lambdavision-ClassifierFunctionRole-AbC123/lambdavision-classifier is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::lambdavision/uploads/denied.jpg" because no identity-based policy allows the s3:GetObject action';

function s3Request(key: string, bucket = BUCKET): unknown {
  const event = loadFixture<Record<string, unknown>>('function-url');
  return { ...event, body: JSON.stringify({ s3: { bucket, key } }), isBase64Encoded: false };
}

describe('on-demand S3 references over a local S3 server: no confused deputy', function () {
  this.timeout(60_000);
  let s3: LocalS3;
  let direct: S3Client;
  let proxy: FaultProxy;
  let logger: RecordingLogger;

  before(async () => {
    s3 = await startLocalS3({ buckets: [BUCKET] });
    direct = s3.client();
    proxy = await startFaultProxy(s3.endpoint);
    // An object that exists, outside the default on-demand prefix (uploads/).
    await direct.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'results/uploads/secret.jpg.json', Body: '{"labels":[]}' }),
    );
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/denied.jpg', Body: 'JPEG?' }));
    proxy.inject({
      method: 'GET',
      key: 'uploads/denied.jpg',
      fault: { kind: 'status', status: 403, code: 'AccessDenied', message: DENIED_MESSAGE },
      times: Number.POSITIVE_INFINITY,
    });
  });

  after(async () => {
    direct?.destroy();
    await proxy?.close();
    await s3?.close();
  });

  const handlerWith = (onDemandPrefixes = ['uploads/']) => {
    logger = new RecordingLogger();
    return createFunctionUrlHandler(
      s3HandlerDeps(localS3Client(proxy.endpoint, { maxAttempts: 1 }), fakeClassifier(), {
        logger,
        config: testConfig({ onDemandPrefixes }),
      }),
    );
  };

  it('answers an object outside the prefixes, a missing one and a forbidden one with the same status and body', async () => {
    // Prepare
    const handler = handlerWith();
    const ask = async (key: string): Promise<FunctionUrlResponse> =>
      handler(s3Request(key), lambdaContext(30_000, 'same-request-id'));

    // Act
    const outside = await ask('results/uploads/secret.jpg.json');
    const missing = await ask('uploads/nothing.jpg');
    const denied = await ask('uploads/denied.jpg');

    // Assess: only the key the caller sent differs.
    const normalised = (r: FunctionUrlResponse, key: string) => ({
      statusCode: r.statusCode,
      headers: r.headers,
      body: r.body.replace(key, '<key>'),
    });
    expect(normalised(outside, 'results/uploads/secret.jpg.json')).to.deep.equal(
      normalised(missing, 'uploads/nothing.jpg'),
    );
    expect(normalised(denied, 'uploads/denied.jpg')).to.deep.equal(
      normalised(missing, 'uploads/nothing.jpg'),
    );
    expect(missing.statusCode).to.equal(404);
    expect(JSON.parse(missing.body)).to.deep.equal({
      error: {
        code: 'OBJECT_NOT_FOUND',
        message: 'no object s3://lambdavision/uploads/nothing.jpg that this endpoint may read',
      },
      requestId: 'same-request-id',
    });
  });

  it('never reads a key outside the prefixes, and keeps the details, ARN included, for the log only', async () => {
    // Prepare
    const handler = handlerWith();
    proxy.requests.splice(0);

    // Act
    const outside = await handler(s3Request('results/uploads/secret.jpg.json'), lambdaContext());
    const outsideLog = logger.withMessage('on-demand request refused');
    const denied = await handler(s3Request('uploads/denied.jpg'), lambdaContext());
    const deniedLog = logger.withMessage('on-demand request refused');

    // Assess
    expect(proxy.requests.map((r) => r.key)).to.deep.equal(['uploads/denied.jpg']);
    for (const body of [outside.body, denied.body]) {
      expect(body).not.to.match(/arn:aws|123456789012|assumed-role|AccessDenied|outside/);
    }
    expect(String(outsideLog[0]?.attributes.error)).to.match(/outside the on-demand prefixes \(uploads\/\)/);
    expect(deniedLog.at(-1)?.attributes).to.include({ errorCode: 'ACCESS_DENIED', status: 403 });
    expect(String(deniedLog.at(-1)?.attributes.error)).to.include(
      'assumed-role/lambdavision-ClassifierFunctionRole',
    );
  });

  it('refuses dot segments, and reads under every prefix the operator lists', async () => {
    // Prepare
    const handler = handlerWith(['uploads/', 'results/']);

    // Act
    const dotted = await handler(s3Request('uploads/../results/uploads/secret.jpg.json'), lambdaContext());
    const listed = await handler(s3Request('results/uploads/secret.jpg.json'), lambdaContext());

    // Assess
    expect(dotted.statusCode).to.equal(404);
    expect(listed.statusCode).to.equal(200);
    expect(JSON.parse(listed.body).source).to.include({ key: 'results/uploads/secret.jpg.json' });
  });

  it('answers S3 trouble with a short message of its own, not S3 text', async () => {
    // Prepare
    proxy.inject({
      method: 'GET',
      key: 'uploads/busy.jpg',
      fault: {
        kind: 'status',
        status: 503,
        code: 'SlowDown',
        message: `Please reduce your request rate. ${DENIED_MESSAGE}`,
      },
      times: Number.POSITIVE_INFINITY,
    });
    const handler = handlerWith();

    // Act
    const busy = await handler(s3Request('uploads/busy.jpg'), lambdaContext());

    // Assess
    expect(busy.statusCode).to.equal(503);
    expect(JSON.parse(busy.body).error).to.deep.equal({
      code: 'S3_THROTTLED',
      message: 'S3 asked to slow down: retry in a moment',
    });
  });
});

describe("the deployed function's S3 client", function () {
  this.timeout(30_000);
  let s3: LocalS3;
  let redirector: Server;
  let endpoint: string;
  const regions: string[] = [];

  before(async () => {
    s3 = await startLocalS3({ buckets: [BUCKET] });
    await s3
      .client()
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/far.jpg', Body: 'far away' }));
    const target = new URL(s3.endpoint);
    // S3's answer for a bucket in another region: 301 PermanentRedirect naming the bucket's region, then
    // (signed for that region) the object. Requests signed for us-east-1 are redirected.
    redirector = createServer((req, res) => {
      const region =
        /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '?';
      regions.push(region);
      if (region !== 'eu-west-1') {
        req.resume();
        const body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>';
        res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': 'eu-west-1' });
        res.end(body);
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => redirector?.close(resolve));
    await s3?.close();
  });

  it('follows S3 to the region of a bucket elsewhere instead of failing on the 301', async () => {
    // Prepare: the client the function builds, pointed at the local server.
    const client = createS3Client({
      endpoint,
      region: LOCAL_S3_REGION,
      credentials: LOCAL_S3_CREDENTIALS,
      forcePathStyle: true,
    });
    const store = new S3ObjectStore(client);

    // Act
    const object = await store.get({
      bucket: BUCKET,
      key: 'uploads/far.jpg',
      maxBytes: 1024,
      signal: new AbortController().signal,
    });

    // Assess
    expect(Buffer.from(object.bytes).toString()).to.equal('far away');
    expect(regions).to.deep.equal(['us-east-1', 'eu-west-1']);
    client.destroy();
  });
});
