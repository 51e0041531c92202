import { expect } from 'chai';
import {
  type Classifier,
  ErrorCode,
  ImageError,
  type LambdaVisionError,
  ModelError,
} from '../../../function/classifier';
import { createS3NotificationHandler, type HandlerDeps, METRIC } from '../../../function/lambda';
import {
  DeadlineError,
  InvalidEventError,
  ObjectStoreError,
  RetryableRecordsError,
} from '../../../function/lambda/errors';
import type { ErrorResult, SuccessResult } from '../../../function/lambda/result-document';
import {
  fakeClassifier,
  handlerWithFakes,
  lambdaContext,
  type MemoryObjectStore,
  testConfig,
} from '../support/fakes';
import { loadEvent, singleRecordEvent } from '../support/fixtures';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder
const KEY = 'uploads/my+photo 1.jpg';
const RESULT_KEY = 'results/uploads/my+photo 1.jpg.json';
const MULTI_KEYS = [
  'uploads/parrot.jpg',
  'uploads/holiday photos/été 2024 (beach).jpg',
  'uploads/猫/cat.bmp',
];
const image = (text: string): Uint8Array => Buffer.from(text);

const FAILURES = {
  CORRUPT: new ImageError(ErrorCode.CORRUPT_IMAGE, 'the JPG data is damaged'),
  BUG: new TypeError('something nobody expected'),
};

const setup = (overrides: Partial<HandlerDeps> = {}) =>
  handlerWithFakes(createS3NotificationHandler, FAILURES, overrides);

async function thrown<T extends Error>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected the handler to throw');
}

describe('lambda handler (with fakes)', () => {
  describe('an image that classifies', () => {
    it('writes the result JSON beside the source etag and version, and says where', async () => {
      // Prepare
      const { handler, store } = setup();
      const source = store.add(BUCKET, KEY, image('PARROT'), 'version-7');

      // Act
      const summary = await handler(loadEvent('s3-put'), lambdaContext());

      // Assess
      const result = store.json<SuccessResult>(BUCKET, RESULT_KEY);
      expect(result).to.deep.include({
        version: 1,
        status: 'ok',
        source: {
          bucket: BUCKET,
          key: KEY,
          etag: source.etag,
          versionId: 'version-7',
          eventTime: '2025-01-01T12:00:00.000Z',
        },
        line: 'score=0.900000 classid=88 human=macaw',
        model: 'fake-model',
        backend: 'wasm',
        requestId: 'request-1',
        processedAt: '2025-01-02T03:04:05.000Z',
      });
      expect(result?.predictions[0]).to.deep.equal({ classId: 88, label: 'macaw', probability: 0.9 });
      expect(result?.timings).to.have.keys(
        'downloadMs',
        'decodeMs',
        'preprocessMs',
        'inferenceMs',
        'totalMs',
      );
      const put = store.puts.find((p) => p.key === RESULT_KEY);
      expect(put?.contentType).to.equal('application/json');
      expect(put?.metadata).to.deep.equal({
        'result-status': 'ok',
        'source-etag': source.etag,
        'source-version-id': 'version-7',
      });
      expect(summary.records).to.deep.equal([
        {
          index: 0,
          bucket: BUCKET,
          key: KEY,
          status: 'classified',
          result: { bucket: BUCKET, key: RESULT_KEY },
          line: 'score=0.900000 classid=88 human=macaw',
        },
      ]);
    });

    it('prints the original line and logs one structured line with the record and the run', async () => {
      // Prepare
      const { handler, store, logger, printed } = setup();
      store.add(BUCKET, KEY, image('PARROT'));

      // Act
      await handler(loadEvent('s3-put'), lambdaContext(30_000, 'req-42'));

      // Assess
      expect(printed).to.deep.equal(['score=0.900000 classid=88 human=macaw']);
      const [line, ...others] = logger.withMessage('classified');
      expect(others).to.have.length(0);
      expect(line?.level).to.equal('info');
      expect(line?.attributes).to.deep.include({
        bucket: BUCKET,
        key: KEY,
        requestId: 'req-42',
        coldStart: true,
        backend: 'wasm',
        model: 'fake-model',
        result: `s3://${BUCKET}/${RESULT_KEY}`,
      });
      expect(line?.attributes.topK).to.deep.equal([
        { classId: 88, label: 'macaw', probability: 0.9 },
        { classId: 90, label: 'lorikeet', probability: 0.05 },
      ]);
      expect(line?.attributes.timings).to.have.property('totalMs', 3);
      expect(logger.contexts[0]?.awsRequestId).to.equal('req-42');
    });

    it('passes the configured top-k, minimum confidence and size cap', async () => {
      const { handler, store, classifier } = setup({
        config: testConfig({ topK: 1, minConfidence: 0.5, maxObjectBytes: 1234 }),
      });
      store.add(BUCKET, KEY, image('PARROT'));
      await handler(loadEvent('s3-put'), lambdaContext());
      expect(classifier.calls[0]).to.include({ topK: 1, minConfidence: 0.5 });
      expect(store.gets[0]).to.include({ bucket: BUCKET, key: KEY, maxBytes: 1234 });
      expect(store.json<SuccessResult>(BUCKET, RESULT_KEY)?.predictions).to.have.length(1);
    });

    it('writes to RESULTS_BUCKET when it is set', async () => {
      const { handler, store } = setup({ config: testConfig({ resultsBucket: 'results-bucket' }) });
      store.add(BUCKET, KEY, image('PARROT'));
      await handler(loadEvent('s3-put'), lambdaContext());
      expect(store.json('results-bucket', RESULT_KEY)).to.have.property('status', 'ok');
      expect(store.json(BUCKET, RESULT_KEY)).to.equal(undefined);
    });

    it('records the duration and count metrics, the cold start, and publishes them', async () => {
      const { handler, store, metrics } = setup();
      store.add(BUCKET, KEY, image('PARROT'));
      await handler(loadEvent('s3-put'), lambdaContext());
      expect(metrics.values(METRIC.classified)).to.deep.equal([1]);
      expect(metrics.values(METRIC.duration)).to.deep.equal([3]);
      expect(metrics.coldStartCalls).to.equal(1);
      expect(metrics.published).to.equal(1);
    });

    it('is idempotent: a re-run writes the same result to the same key', async () => {
      // Prepare
      const { handler, store, logger } = setup();
      store.add(BUCKET, KEY, image('PARROT'));

      // Act
      await handler(loadEvent('s3-put'), lambdaContext(30_000, 'first'));
      const first = store.json<SuccessResult>(BUCKET, RESULT_KEY);
      await handler(loadEvent('s3-put'), lambdaContext(30_000, 'second'));
      const second = store.json<SuccessResult>(BUCKET, RESULT_KEY);

      // Assess
      const stable = (r: SuccessResult | undefined) => ({ ...r, requestId: undefined, timings: undefined });
      expect(stable(second)).to.deep.equal(stable(first));
      expect([...store.objects.keys()].filter((k) => k.endsWith('.json'))).to.deep.equal([
        `${BUCKET}/${RESULT_KEY}`,
      ]);
      const coldStarts = logger.withMessage('classified').map((e) => e.attributes.coldStart);
      expect(coldStarts).to.deep.equal([true, false]);
    });

    it('handles every record of a multi-record event', async () => {
      const { handler, store } = setup();
      for (const key of MULTI_KEYS) store.add(BUCKET, key, image('PARROT'));
      const summary = await handler(loadEvent('s3-put-multi'), lambdaContext());
      expect(summary.records.map((r) => [r.key, r.status])).to.deep.equal(
        MULTI_KEYS.map((k) => [k, 'classified']),
      );
      for (const key of MULTI_KEYS)
        expect(store.json(BUCKET, `results/${key}.json`)).to.have.property('status', 'ok');
    });
  });

  describe('records that are not to be classified', () => {
    it("ignores the function's own results (no read, no write), so nothing loops", async () => {
      // Prepare
      const { handler, store, logger } = setup();
      const event = singleRecordEvent((r) => {
        r.s3.object.key = 'results/uploads/my%2Bphoto+1.jpg.json';
      });

      // Act
      const summary = await handler(event, lambdaContext());

      // Assess
      expect(summary.records[0]).to.include({ status: 'skipped', reason: 'result-object' });
      expect(store.gets).to.have.length(0);
      expect(store.puts).to.have.length(0);
      expect(logger.withMessage('skipped: result-object')).to.have.length(1);
    });

    it('ignores keys outside the upload prefix', async () => {
      const { handler, store } = setup();
      const event = singleRecordEvent((r) => {
        r.s3.object.key = 'elsewhere/photo.jpg';
      });
      const summary = await handler(event, lambdaContext());
      expect(summary.records[0]).to.include({ status: 'skipped', reason: 'outside-upload-prefix' });
      expect(store.gets).to.have.length(0);
    });

    it('ignores records that are not ObjectCreated', async () => {
      const { handler, store } = setup();
      const event = singleRecordEvent((r) => {
        r.eventName = 'ObjectRemoved:Delete';
      });
      const summary = await handler(event, lambdaContext());
      expect(summary.records[0]).to.include({ status: 'skipped', reason: 'not-object-created' });
      expect(store.gets).to.have.length(0);
    });
  });

  describe('permanent failures: an error result, no throw', () => {
    const cases: Array<[string, (store: MemoryObjectStore) => void, string]> = [
      ['a corrupt image', (store) => store.add(BUCKET, KEY, image('CORRUPT')), ErrorCode.CORRUPT_IMAGE],
      ['an object that is gone', () => undefined, ErrorCode.OBJECT_NOT_FOUND],
      [
        'an object the function may not read',
        (store) =>
          store.failGet.set(
            `${BUCKET}/${KEY}`,
            new ObjectStoreError(ErrorCode.ACCESS_DENIED, 'cannot read: AccessDenied'),
          ),
        ErrorCode.ACCESS_DENIED,
      ],
      [
        'an object above MAX_OBJECT_BYTES',
        (store) =>
          store.failGet.set(
            `${BUCKET}/${KEY}`,
            new ObjectStoreError(ErrorCode.OBJECT_TOO_LARGE, 'is 30000000 bytes'),
          ),
        ErrorCode.OBJECT_TOO_LARGE,
      ],
    ];
    for (const [what, prepare, code] of cases) {
      it(`records ${what} as ${code} and returns`, async () => {
        // Prepare
        const { handler, store, logger, metrics, printed } = setup();
        prepare(store);

        // Act
        const summary = await handler(loadEvent('s3-put'), lambdaContext());

        // Assess
        const result = store.json<ErrorResult>(BUCKET, RESULT_KEY);
        expect(result).to.deep.include({ version: 1, status: 'error', requestId: 'request-1' });
        expect(result?.error.code).to.equal(code);
        expect(result?.source).to.include({ bucket: BUCKET, key: KEY });
        expect(summary.records[0]).to.include({ status: 'failed', code });
        const [warning] = logger.withMessage('permanent failure: error result written, not retried');
        expect(warning?.attributes).to.include({ errorCode: code, key: KEY, requestId: 'request-1' });
        expect(metrics.values(METRIC.permanent)).to.deep.equal([1]);
        expect(printed).to.deep.equal([]);
      });
    }

    it('keeps the etag of the bytes it read in the error result, else the event', async () => {
      const { handler, store } = setup();
      const source = store.add(BUCKET, KEY, image('CORRUPT'));
      await handler(loadEvent('s3-put'), lambdaContext());
      expect(store.json<ErrorResult>(BUCKET, RESULT_KEY)?.source.etag).to.equal(source.etag);

      const gone = setup();
      await gone.handler(loadEvent('s3-put'), lambdaContext());
      expect(gone.store.json<ErrorResult>(BUCKET, RESULT_KEY)?.source.etag).to.equal(
        '950b3e51873033c8c2262486a2d05dca',
      );
    });
  });

  describe('transient failures: thrown, after every record had its turn', () => {
    it('classifies the other records, then throws naming the failed one', async () => {
      // Prepare
      const { handler, store, metrics, logger } = setup();
      for (const key of MULTI_KEYS) store.add(BUCKET, key, image('PARROT'));
      const cause = new ObjectStoreError(ErrorCode.S3_UNAVAILABLE, 'InternalError (HTTP 500)');
      store.failGet.set(`${BUCKET}/${MULTI_KEYS[1]}`, cause);

      // Act
      const error = await thrown<RetryableRecordsError>(handler(loadEvent('s3-put-multi'), lambdaContext()));

      // Assess
      expect(error).to.be.instanceOf(RetryableRecordsError);
      expect(error.message).to.equal(
        '1 of 3 records failed transiently: s3://amzn-s3-demo-bucket/uploads/holiday photos/été 2024 (beach).jpg (S3_UNAVAILABLE)',
      );
      expect(error.errors).to.deep.equal([cause]);
      expect(store.json(BUCKET, `results/${MULTI_KEYS[0]}.json`)).to.have.property('status', 'ok');
      expect(store.json(BUCKET, `results/${MULTI_KEYS[2]}.json`)).to.have.property('status', 'ok');
      expect(store.json(BUCKET, `results/${MULTI_KEYS[1]}.json`)).to.equal(undefined);
      expect(metrics.values(METRIC.transient)).to.deep.equal([1]);
      expect(metrics.published).to.equal(1);
      const [logged] = logger.withMessage('transient failure: the event will be retried');
      expect(logged?.attributes).to.include({ errorCode: 'S3_UNAVAILABLE', key: MULTI_KEYS[1] });
    });

    it('throws when the result cannot be written, even for a permanent failure', async () => {
      const { handler, store } = setup();
      store.add(BUCKET, KEY, image('CORRUPT'));
      store.failPut.set(
        `${BUCKET}/${RESULT_KEY}`,
        new ObjectStoreError(ErrorCode.S3_THROTTLED, 'SlowDown (HTTP 503)'),
      );
      const error = await thrown<RetryableRecordsError>(handler(loadEvent('s3-put'), lambdaContext()));
      expect(error.message).to.match(/\(S3_THROTTLED\)$/);
    });

    it('treats an unexpected classifier error as transient (retried, then the failure destination)', async () => {
      const { handler, store } = setup();
      store.add(BUCKET, KEY, image('BUG'));
      const error = await thrown<RetryableRecordsError>(handler(loadEvent('s3-put'), lambdaContext()));
      expect(error.message).to.match(/\(UNEXPECTED\)$/);
      expect(error.errors[0]).to.be.instanceOf(TypeError);
      expect(store.json(BUCKET, RESULT_KEY)).to.equal(undefined);
    });
  });

  describe('the deadline', () => {
    it('stops before the deadline with a clear log and leaves the records for the retry', async () => {
      // Prepare
      const { handler, store, logger } = setup();
      for (const key of MULTI_KEYS) store.add(BUCKET, key, image('PARROT'));

      // Act
      const error = await thrown<RetryableRecordsError>(
        handler(loadEvent('s3-put-multi'), lambdaContext(400)),
      );

      // Assess
      expect(error.errors[0]).to.be.instanceOf(DeadlineError);
      expect(error.errors[0]?.message).to.match(
        /^stopped 400 ms before the deadline with 3 of 3 records not processed/,
      );
      expect(store.gets).to.have.length(0);
      const [logged] = logger.entries.filter((e) => e.level === 'error');
      expect(logged?.attributes.errorCode).to.equal('DEADLINE');
      expect(logged?.attributes.notProcessed).to.have.length(3);
    });

    it('processes records while there is time, then stops', async () => {
      const { handler, store } = setup();
      for (const key of MULTI_KEYS) store.add(BUCKET, key, image('PARROT'));
      const remaining = [30_000, 900];
      const context = lambdaContext(() => remaining.shift() ?? 0);
      const error = await thrown<RetryableRecordsError>(handler(loadEvent('s3-put-multi'), context));
      expect(error.message).to.match(/^2 of 3 records failed transiently/);
      expect(store.json(BUCKET, `results/${MULTI_KEYS[0]}.json`)).to.have.property('status', 'ok');
      expect(store.json(BUCKET, `results/${MULTI_KEYS[1]}.json`)).to.equal(undefined);
    });
  });

  describe('the model and the event', () => {
    it('throws and logs a critical line when the model failed to load at init', async () => {
      // Prepare
      const failure = new ModelError(ErrorCode.MODEL_NOT_FOUND, 'model directory /opt/model does not exist');
      const loading = Promise.reject(failure);
      loading.catch(() => undefined);
      const { handler, store, logger, metrics } = setup({ classifier: loading });
      store.add(BUCKET, KEY, image('PARROT'));

      // Act
      const error = await thrown<LambdaVisionError>(handler(loadEvent('s3-put'), lambdaContext()));

      // Assess
      expect(error).to.equal(failure);
      const [critical] = logger.entries.filter((e) => e.level === 'critical');
      expect(critical?.attributes).to.include({ errorCode: 'MODEL_NOT_FOUND', modelDir: '/opt/model' });
      expect(store.puts).to.have.length(0);
      expect(metrics.published).to.equal(1);
    });

    it('waits for a model that is still loading', async () => {
      // Prepare
      let loaded: (classifier: Classifier) => void = () => undefined;
      const loading = new Promise<Classifier>((resolve) => {
        loaded = resolve;
      });
      const { handler, store } = setup({ classifier: loading });
      store.add(BUCKET, KEY, image('PARROT'));

      // Act
      let finished = false;
      const invocation = handler(loadEvent('s3-put'), lambdaContext()).finally(() => {
        finished = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      const finishedBeforeLoad = finished;
      const readsBeforeLoad = store.gets.length;
      loaded(fakeClassifier());
      const summary = await invocation;

      // Assess
      expect(finishedBeforeLoad).to.equal(false);
      expect(readsBeforeLoad).to.equal(0);
      expect(summary.records[0]?.status).to.equal('classified');
    });

    it('throws on an event that is not an S3 notification', async () => {
      const { handler } = setup();
      const error = await thrown(handler({ hello: 'world' }, lambdaContext()));
      expect(error).to.be.instanceOf(InvalidEventError);
    });
  });
});
