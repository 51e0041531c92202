import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { type Classifier, loadClassifier } from '../../function/classifier';
import {
  createS3NotificationHandler,
  type ResultDocument,
  RetryableRecordsError,
  type S3NotificationHandler,
} from '../../function/lambda';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { lambdaContext, RecordingLogger } from '../lambda/support/fakes';
import { eventForKeys } from '../lambda/support/fixtures';
import { localS3Client } from '../lambda/support/local-s3-client';
import { s3HandlerDeps } from '../lambda/support/s3-handler-deps';
import { encodeJpeg, gradient } from '../support/image-writers';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';
import { type FaultProxy, type FaultRule, startFaultProxy } from './support/fault-proxy';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to throw');
}

describe('S3 faults over a real socket (local S3 behind a fault-injecting proxy)', function () {
  this.timeout(120_000);
  let s3: LocalS3;
  let proxy: FaultProxy;
  let direct: S3Client;
  let classifier: Classifier;
  let logger: RecordingLogger;
  let handler: S3NotificationHandler;
  let photo: Buffer;

  before(async () => {
    s3 = await startLocalS3({ buckets: [BUCKET] });
    direct = s3.client();
    proxy = await startFaultProxy(s3.endpoint);
    classifier = await loadClassifier({ modelDir: await buildTinyMobileNet(tempDir()), backend: 'wasm' });
    // Large enough that a body can be cut in the middle and trickle for a while.
    photo = await encodeJpeg(gradient(640, 480), 95);
  });

  after(async () => {
    classifier?.dispose();
    await proxy?.close();
    await s3?.close();
  });

  beforeEach(() => {
    proxy.heal();
    proxy.requests.splice(0);
    logger = new RecordingLogger();
    // The SDK's own retry policy (3 attempts, standard backoff), over the proxy.
    handler = createS3NotificationHandler(
      s3HandlerDeps(localS3Client(proxy.endpoint), classifier, { logger }),
    );
  });

  const upload = (key: string, body: Uint8Array = photo) =>
    direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const fault = (rule: Omit<FaultRule, 'times'> & { times?: number }) =>
    proxy.inject({ times: Number.POSITIVE_INFINITY, ...rule });
  const gets = (key: string) => proxy.requests.filter((r) => r.method === 'GET' && r.key === key);
  async function result(key: string): Promise<ResultDocument | undefined> {
    try {
      const object = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: `results/${key}.json` }));
      return JSON.parse((await object.Body?.transformToString()) ?? 'null') as ResultDocument;
    } catch {
      return undefined;
    }
  }

  for (const [status, code] of [
    [500, 'InternalError'],
    [503, 'SlowDown'],
    [503, 'ServiceUnavailable'],
  ] as const) {
    it(`retries ${status} ${code} on GetObject inside the SDK and classifies the object`, async () => {
      // Prepare: two failures, then S3 answers.
      const key = `uploads/retried-${code}.jpg`;
      await upload(key);
      fault({ method: 'GET', key, fault: { kind: 'status', status, code }, times: 2 });

      // Act
      const summary = await handler(eventForKeys([key]), lambdaContext());

      // Assess
      expect(summary.records[0]?.status).to.equal('classified');
      expect(gets(key).map((r) => r.fault ?? 'ok')).to.deep.equal(['status', 'status', 'ok']);
      expect((await result(key))?.status).to.equal('ok');
    });
  }

  for (const [status, code, expected] of [
    [500, 'InternalError', 'S3_UNAVAILABLE'],
    [503, 'SlowDown', 'S3_THROTTLED'],
  ] as const) {
    it(`throws when ${status} ${code} outlasts the SDK's retries, writes nothing, and the retried event succeeds`, async () => {
      // Prepare
      const key = `uploads/persistent-${code}.jpg`;
      await upload(key);
      fault({ method: 'GET', key, fault: { kind: 'status', status, code } });

      // Act: the first invocation fails; Lambda retries once S3 has recovered.
      const error = await rejection(handler(eventForKeys([key]), lambdaContext()));
      const written = await result(key);
      proxy.heal();
      const retried = await handler(eventForKeys([key]), lambdaContext());

      // Assess
      expect(error).to.be.instanceOf(RetryableRecordsError);
      expect(error.message).to.contain(`(${expected})`);
      expect(gets(key).filter((r) => r.fault === 'status')).to.have.length(3); // the SDK's 3 attempts
      expect(written, 'no result for a transient failure').to.equal(undefined);
      expect(retried.records[0]?.status).to.equal('classified');
      expect((await result(key))?.status).to.equal('ok');
    });
  }

  it('treats a connection reset in the middle of the body as transient; the retried event succeeds', async () => {
    // Prepare
    const key = 'uploads/reset.jpg';
    await upload(key);
    fault({ method: 'GET', key, fault: { kind: 'reset-mid-body', fraction: 0.4 }, times: 1 });

    // Act
    const error = await rejection(handler(eventForKeys([key]), lambdaContext()));
    const retried = await handler(eventForKeys([key]), lambdaContext());

    // Assess: the cut body was never classified as a (truncated) image.
    const cut = gets(key)[0];
    expect(cut?.sent).to.be.below(cut?.length ?? 0);
    expect(error).to.be.instanceOf(RetryableRecordsError);
    expect(error.message).to.contain('(S3_UNREACHABLE)');
    expect(logger.withMessage('transient failure: the event will be retried')).to.have.length(1);
    expect(retried.records[0]?.status).to.equal('classified');
  });

  it('aborts a body that trickles past the deadline, stops before Lambda would, and says why', async () => {
    // Prepare: 3 s left in the invocation; the body would take minutes at 1 KB every 200 ms.
    const slow = 'uploads/slow.jpg';
    const next = 'uploads/next.jpg';
    await upload(slow);
    await upload(next);
    fault({ method: 'GET', key: slow, fault: { kind: 'slow-body', bytes: 1024, everyMs: 200 } });
    const deadline = Date.now() + 3000;
    const started = performance.now();

    // Act
    const error = await rejection(
      handler(
        eventForKeys([slow, next]),
        lambdaContext(() => deadline - Date.now()),
      ),
    );
    const elapsed = performance.now() - started;

    // Assess: the slow read was cut off, and the next record was left for the retry rather than started.
    const trickle = gets(slow)[0];
    console.log(
      `      slow body: ${trickle?.sent} of ${trickle?.length} bytes when the function gave up; invocation ended after ${elapsed.toFixed(0)} ms of a 3000 ms budget`,
    );
    expect(trickle?.clientClosed, 'the function hung up on the slow body').to.equal(true);
    expect(error).to.be.instanceOf(RetryableRecordsError);
    const records = (error as RetryableRecordsError).message;
    expect(records).to.contain(`s3://${BUCKET}/${slow} (S3_UNREACHABLE)`);
    expect(records).to.contain(`s3://${BUCKET}/${next} (DEADLINE)`);
    expect(gets(next), 'the next record was not started').to.have.length(0);
    const stopped = logger.entries.find((e) => /before the deadline/.test(e.message));
    expect(stopped?.level).to.equal('error');
    expect(stopped?.attributes.notProcessed).to.deep.equal([{ bucket: BUCKET, key: next }]);
  });

  it('writes an OBJECT_NOT_FOUND error result when the object was deleted before it was read', async () => {
    // Prepare: the event names a key that no longer exists.
    const key = 'uploads/deleted-before-read.jpg';

    // Act
    const summary = await handler(eventForKeys([key]), lambdaContext());

    // Assess
    expect(summary.records[0]).to.include({ status: 'failed', code: 'OBJECT_NOT_FOUND' });
    const stored = await result(key);
    expect(stored?.status).to.equal('error');
    expect(stored?.status === 'error' && stored.error.code).to.equal('OBJECT_NOT_FOUND');
  });

  it('writes an ACCESS_DENIED error result when S3 forbids the read, without retrying it', async () => {
    // Prepare
    const key = 'uploads/forbidden.jpg';
    await upload(key);
    fault({
      method: 'GET',
      key,
      fault: { kind: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied' },
    });

    // Act
    const summary = await handler(eventForKeys([key]), lambdaContext());

    // Assess
    expect(summary.records[0]).to.include({ status: 'failed', code: 'ACCESS_DENIED' });
    expect(gets(key)).to.have.length(1);
    const stored = await result(key);
    expect(stored?.status === 'error' && stored.error.code).to.equal('ACCESS_DENIED');
  });

  it('throws when the result cannot be written, so the classification is redone rather than lost', async () => {
    // Prepare
    const key = 'uploads/unwritable.jpg';
    await upload(key);
    fault({
      method: 'PUT',
      key: `results/${key}.json`,
      fault: { kind: 'status', status: 503, code: 'SlowDown' },
    });

    // Act
    const error = await rejection(handler(eventForKeys([key]), lambdaContext()));

    // Assess
    expect(error).to.be.instanceOf(RetryableRecordsError);
    expect(error.message).to.contain('(S3_THROTTLED)');
    expect(await result(key)).to.equal(undefined);
  });

  it('accounts for every record of a mixed event: result, error result, or a thrown retry', async () => {
    // Prepare
    const keys = [
      'uploads/mix-ok.jpg',
      'uploads/mix-corrupt.jpg',
      'uploads/mix-gone.jpg',
      'uploads/mix-denied.jpg',
      'uploads/mix-down.jpg',
    ];
    await upload('uploads/mix-ok.jpg');
    await upload('uploads/mix-corrupt.jpg', photo.subarray(0, photo.length >> 1));
    await upload('uploads/mix-denied.jpg');
    await upload('uploads/mix-down.jpg');
    fault({
      method: 'GET',
      key: 'uploads/mix-denied.jpg',
      fault: { kind: 'status', status: 403, code: 'AccessDenied' },
    });
    fault({
      method: 'GET',
      key: 'uploads/mix-down.jpg',
      fault: { kind: 'status', status: 500, code: 'InternalError' },
    });

    // Act
    const error = await rejection(handler(eventForKeys(keys), lambdaContext()));

    // Assess: four records settled with a stored result, the fifth is in the thrown error.
    const settled: Array<[string, string | undefined]> = [];
    for (const key of keys.slice(0, 4)) {
      const stored = await result(key);
      settled.push([key, stored?.status === 'error' ? stored.error.code : stored?.status]);
    }
    expect(settled).to.deep.equal([
      ['uploads/mix-ok.jpg', 'ok'],
      ['uploads/mix-corrupt.jpg', 'CORRUPT_IMAGE'],
      ['uploads/mix-gone.jpg', 'OBJECT_NOT_FOUND'],
      ['uploads/mix-denied.jpg', 'ACCESS_DENIED'],
    ]);
    expect(await result('uploads/mix-down.jpg')).to.equal(undefined);
    expect(error.message).to.match(
      /^1 of 5 records failed transiently: s3:\/\/amzn-s3-demo-bucket\/uploads\/mix-down\.jpg \(S3_UNAVAILABLE\)$/,
    );
  });
});
