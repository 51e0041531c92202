import { expect } from 'chai';
import { ErrorCode, ImageError, ModelError } from '../../../function/classifier';
import {
  batchTaskStatus,
  createBatchHandler,
  createS3NotificationHandler,
  type HandlerDeps,
  METRIC,
  parseBatchArguments,
} from '../../../function/lambda';
import type { BatchResponse } from '../../../function/lambda/batch-event';
import { ObjectStoreError } from '../../../function/lambda/errors';
import type { ErrorResult, SuccessResult } from '../../../function/lambda/result-document';
import { handlerWithFakes, lambdaContext } from '../support/fakes';
import { batchEventForKeys, loadEvent, loadFixture } from '../support/fixtures';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder
const image = (text: string): Uint8Array => Buffer.from(text);

const FAILURES = {
  CORRUPT: new ImageError(ErrorCode.CORRUPT_IMAGE, 'the JPG data is damaged'),
};

const setup = (overrides: Partial<HandlerDeps> = {}) =>
  handlerWithFakes(createBatchHandler, FAILURES, overrides);

const batchEvent = (keys: string[], userArguments?: Record<string, string>) =>
  batchEventForKeys(BUCKET, keys, userArguments);

const codes = (response: BatchResponse) => response.results.map((r) => r.resultCode);

describe('S3 Batch Operations handler (with fakes)', () => {
  it('classifies the task, writes the result and answers Succeeded with a readable result string', async () => {
    // Prepare
    const { handler, store, logger } = setup();
    const source = store.add(BUCKET, 'uploads/my+photo 1.jpg', image('PARROT'));

    // Act
    const response = await handler(loadFixture('s3-batch-v1'), lambdaContext());

    // Assess
    expect(response).to.deep.equal({
      invocationSchemaVersion: '1.0',
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: 'YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo',
      results: [
        {
          taskId: 'dGFza2lkZ29lc2hlcmUK',
          resultCode: 'Succeeded',
          resultString:
            'classified score=0.900000 classid=88 human=macaw -> s3://amzn-s3-demo-bucket/results/uploads/my+photo 1.jpg.json',
        },
      ],
    });
    const result = store.json<SuccessResult>(BUCKET, 'results/uploads/my+photo 1.jpg.json');
    expect(result?.source).to.deep.equal({
      bucket: BUCKET,
      key: 'uploads/my+photo 1.jpg',
      etag: source.etag,
      versionId: null,
      eventTime: null,
    });
    expect(logger.withMessage('classified')[0]?.attributes).to.include({ trigger: 's3-batch' });
  });

  it('writes the same result document as the upload path for the same object', async () => {
    // Prepare
    const upload = setup();
    const batch = setup({ store: upload.store });
    upload.store.add(BUCKET, 'uploads/my+photo 1.jpg', image('PARROT'));
    const read = () => upload.store.json<SuccessResult>(BUCKET, 'results/uploads/my+photo 1.jpg.json');
    const comparable = (r: SuccessResult | undefined) => ({
      ...r,
      source: { ...r?.source, eventTime: undefined },
      requestId: undefined,
      timings: undefined,
    });

    // Act
    await createS3NotificationHandler(upload.deps)(loadEvent('s3-put'), lambdaContext());
    const fromUpload = read();
    await batch.handler(loadFixture('s3-batch-v1'), lambdaContext());
    const fromBatch = read();

    // Assess
    expect(upload.store.puts).to.have.length(2);
    expect(fromBatch?.requestId).to.not.equal(undefined);
    expect(comparable(fromBatch)).to.deep.equal(comparable(fromUpload));
    expect(upload.store.puts[1]?.metadata).to.deep.equal(upload.store.puts[0]?.metadata);
  });

  it('answers each task of a mixed batch on its own: good, corrupt, missing and transient', async () => {
    // Prepare
    const { handler, store, metrics } = setup();
    store.add(BUCKET, 'uploads/good.jpg', image('PARROT'));
    store.add(BUCKET, 'uploads/corrupt.jpg', image('CORRUPT'));
    store.add(BUCKET, 'uploads/busy.jpg', image('PARROT'));
    store.failGet.set(
      `${BUCKET}/uploads/busy.jpg`,
      new ObjectStoreError(ErrorCode.S3_UNAVAILABLE, 'InternalError (HTTP 500)'),
    );
    const keys = ['uploads/good.jpg', 'uploads/corrupt.jpg', 'uploads/missing.jpg', 'uploads/busy.jpg'];

    // Act
    const response = await handler(batchEvent(keys), lambdaContext());

    // Assess
    expect(codes(response)).to.deep.equal([
      'Succeeded',
      'PermanentFailure',
      'PermanentFailure',
      'TemporaryFailure',
    ]);
    expect(response.results.map(batchTaskStatus)).to.deep.equal(['classified', 'failed', 'failed', 'retry']);
    expect(response.results[1]?.resultString).to.match(
      /^CORRUPT_IMAGE: the JPG data is damaged; error result s3:\/\/amzn-s3-demo-bucket\/results\/uploads\/corrupt\.jpg\.json$/,
    );
    expect(response.results[2]?.resultString).to.match(/^OBJECT_NOT_FOUND: /);
    expect(response.results[3]?.resultString).to.equal('S3_UNAVAILABLE: InternalError (HTTP 500)');
    expect(store.json<ErrorResult>(BUCKET, 'results/uploads/corrupt.jpg.json')?.error.code).to.equal(
      'CORRUPT_IMAGE',
    );
    expect(store.json<ErrorResult>(BUCKET, 'results/uploads/missing.jpg.json')?.error.code).to.equal(
      'OBJECT_NOT_FOUND',
    );
    expect(store.json(BUCKET, 'results/uploads/busy.jpg.json')).to.equal(undefined);
    expect(metrics.values(METRIC.transient)).to.deep.equal([1]);
    expect(metrics.values(METRIC.permanent)).to.deep.equal([1, 1]);
  });

  describe('skipCurrent', () => {
    it('leaves alone an object whose result describes its current etag: no read, no write', async () => {
      // Prepare: a first run writes the result.
      const { handler, store, classifier } = setup();
      store.add(BUCKET, 'uploads/a.jpg', image('PARROT'));
      await handler(batchEvent(['uploads/a.jpg']), lambdaContext());
      const gets = store.gets.length;
      const puts = store.puts.length;

      // Act
      const response = await handler(batchEvent(['uploads/a.jpg'], { skipCurrent: 'true' }), lambdaContext());

      // Assess
      expect(response.results[0]?.resultCode).to.equal('Succeeded');
      expect(response.results[0]?.resultString).to.match(
        /^skipped: s3:\/\/amzn-s3-demo-bucket\/results\/uploads\/a\.jpg\.json is current \(source etag etag-1\)$/,
      );
      expect(
        batchTaskStatus(response.results[0] ?? { taskId: '', resultCode: 'Succeeded', resultString: '' }),
      ).to.equal('skipped');
      expect(store.gets.length).to.equal(gets);
      expect(store.puts.length).to.equal(puts);
      expect(classifier.calls).to.have.length(1);
    });

    it('classifies again an object replaced since its result was written', async () => {
      const { handler, store } = setup();
      store.add(BUCKET, 'uploads/a.jpg', image('PARROT'));
      await handler(batchEvent(['uploads/a.jpg']), lambdaContext());
      const replaced = store.add(BUCKET, 'uploads/a.jpg', image('PARROT, again'));
      const response = await handler(batchEvent(['uploads/a.jpg'], { skipCurrent: 'true' }), lambdaContext());
      expect(batchTaskStatus(response.results[0] as BatchResponse['results'][number])).to.equal('classified');
      expect(store.json<SuccessResult>(BUCKET, 'results/uploads/a.jpg.json')?.source.etag).to.equal(
        replaced.etag,
      );
    });

    it('classifies again without skipCurrent (schema 1.0 has no userArguments)', async () => {
      const { handler, store, classifier } = setup();
      store.add(BUCKET, 'uploads/my+photo 1.jpg', image('PARROT'));
      await handler(loadFixture('s3-batch-v1'), lambdaContext());
      await handler(loadFixture('s3-batch-v1'), lambdaContext());
      expect(classifier.calls).to.have.length(2);
    });

    it('counts an error result as current too: a corrupt image is not decoded on every run', async () => {
      const { handler, store, classifier } = setup();
      store.add(BUCKET, 'uploads/corrupt.jpg', image('CORRUPT'));
      await handler(batchEvent(['uploads/corrupt.jpg']), lambdaContext());
      const response = await handler(
        batchEvent(['uploads/corrupt.jpg'], { skipCurrent: 'true' }),
        lambdaContext(),
      );
      expect(response.results[0]?.resultString).to.match(/^skipped: /);
      expect(classifier.calls).to.have.length(1);
    });

    it('classifies when the result cannot be read (403 without s3:ListBucket)', async () => {
      const { handler, store } = setup();
      store.add(BUCKET, 'uploads/a.jpg', image('PARROT'));
      await handler(batchEvent(['uploads/a.jpg']), lambdaContext());
      store.failHead.set(
        `${BUCKET}/results/uploads/a.jpg.json`,
        new ObjectStoreError(ErrorCode.ACCESS_DENIED, 'Forbidden (HTTP 403)'),
      );
      const response = await handler(batchEvent(['uploads/a.jpg'], { skipCurrent: 'true' }), lambdaContext());
      expect(response.results[0]?.resultString).to.match(/^classified /);
    });
  });

  it("never classifies the function's own results, and answers them Succeeded", async () => {
    const { handler, store } = setup();
    store.add(BUCKET, 'results/uploads/a.jpg.json', image('{}'));
    const response = await handler(batchEvent(['results/uploads/a.jpg.json']), lambdaContext());
    expect(response.results[0]).to.include({ resultCode: 'Succeeded' });
    expect(response.results[0]?.resultString).to.match(/^skipped: .* is a result object/);
    expect(store.gets).to.have.length(0);
  });

  it('classifies objects outside the upload prefix: a job names its objects explicitly', async () => {
    const { handler, store } = setup();
    store.add(BUCKET, 'archive/2019/a.jpg', image('PARROT'));
    const response = await handler(batchEvent(['archive/2019/a.jpg']), lambdaContext());
    expect(response.results[0]?.resultCode).to.equal('Succeeded');
    expect(store.json(BUCKET, 'results/archive/2019/a.jpg.json')).to.have.property('status', 'ok');
  });

  it('fails every task permanently for unknown userArguments, touching nothing', async () => {
    const { handler, store } = setup();
    store.add(BUCKET, 'uploads/a.jpg', image('PARROT'));
    const response = await handler(
      batchEvent(['uploads/a.jpg', 'uploads/b.jpg'], { topk: '3' }),
      lambdaContext(),
    );
    expect(codes(response)).to.deep.equal(['PermanentFailure', 'PermanentFailure']);
    expect(response.results[0]?.resultString).to.equal(
      'INVALID_USER_ARGUMENTS: unknown userArguments "topk" (known: skipCurrent)',
    );
    expect(store.gets).to.have.length(0);
  });

  it('fails only the task whose key is not URL-encoded', async () => {
    const { handler, store } = setup();
    store.add(BUCKET, 'uploads/a.jpg', image('PARROT'));
    const event = batchEvent(['uploads/a.jpg']);
    event.tasks.unshift({ taskId: 'bad', s3Bucket: BUCKET, s3Key: 'uploads/100%.jpg', s3VersionId: null });
    const response = await handler(event, lambdaContext());
    expect(codes(response)).to.deep.equal(['PermanentFailure', 'Succeeded']);
    expect(response.results[0]?.resultString).to.match(/^INVALID_KEY: /);
  });

  it('answers TemporaryFailure for the tasks it has no time left for', async () => {
    const { handler, store } = setup();
    for (const key of ['uploads/a.jpg', 'uploads/b.jpg']) store.add(BUCKET, key, image('PARROT'));
    const remaining = [30_000, 500];
    const response = await handler(
      batchEvent(['uploads/a.jpg', 'uploads/b.jpg']),
      lambdaContext(() => remaining.shift() ?? 0),
    );
    expect(codes(response)).to.deep.equal(['Succeeded', 'TemporaryFailure']);
    expect(response.results[1]?.resultString).to.match(/^DEADLINE: stopped 500 ms before the deadline/);
  });

  it('throws when the model failed to load, as the upload path does', async () => {
    const failure = new ModelError(ErrorCode.MODEL_NOT_FOUND, 'model directory /opt/model does not exist');
    const loading = Promise.reject(failure);
    loading.catch(() => undefined);
    const { handler, metrics } = setup({ classifier: loading });
    let error: unknown;
    try {
      await handler(loadFixture('s3-batch-v2'), lambdaContext());
    } catch (e) {
      error = e;
    }
    expect(error).to.equal(failure);
    expect(metrics.published).to.equal(1);
  });

  describe('userArguments', () => {
    it('reads skipCurrent as true or false, case and blanks aside', () => {
      expect(parseBatchArguments({})).to.deep.equal({ ok: true, value: { skipCurrent: false } });
      expect(parseBatchArguments({ skipCurrent: ' TRUE ' })).to.deep.equal({
        ok: true,
        value: { skipCurrent: true },
      });
      expect(parseBatchArguments({ skipCurrent: 'yes' })).to.have.property('ok', false);
    });
  });
});
