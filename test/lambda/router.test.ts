import type { LambdaFunctionURLEvent, S3BatchEvent, S3Event } from 'aws-lambda';
import { expect } from 'chai';
import type { FunctionUrlResponse, HandlerSummary } from '../../function/lambda';
import type { BatchResponse } from '../../function/lambda/batch-event';
import { InvalidEventError } from '../../function/lambda/errors';
import { createFunctionHandler, EVENT_SOURCES, EventKind, eventKindOf } from '../../function/lambda/router';
import {
  fakeClassifier,
  lambdaContext,
  MemoryObjectStore,
  RecordingLogger,
  RecordingMetrics,
  testConfig,
} from './support/fakes';
import { type FixtureName, loadFixture } from './support/fixtures';

function setup() {
  const store = new MemoryObjectStore();
  store.add('amzn-s3-demo-bucket', 'uploads/my+photo 1.jpg', Buffer.from('PARROT'));
  const logger = new RecordingLogger();
  const handler = createFunctionHandler({
    store,
    classifier: Promise.resolve(fakeClassifier()),
    logger,
    metrics: new RecordingMetrics(),
    config: testConfig(),
    print: () => undefined,
  });
  return { handler, store, logger };
}

describe('function router', () => {
  const kinds: Array<[FixtureName, EventKind]> = [
    ['s3-put', EventKind.S3_NOTIFICATION],
    ['s3-put-multi', EventKind.S3_NOTIFICATION],
    ['s3-batch-v1', EventKind.S3_BATCH],
    ['s3-batch-v2', EventKind.S3_BATCH],
    ['function-url', EventKind.FUNCTION_URL],
    ['rekognition-detect-labels', EventKind.REKOGNITION],
  ];
  for (const [fixture, kind] of kinds) {
    it(`tells events/${fixture}.json is a ${kind} event`, () => {
      expect(eventKindOf(loadFixture(fixture))).to.equal(kind);
    });
  }

  it('tells nothing for other shapes', () => {
    for (const event of [null, 'Records', [], {}, { tasks: [] }, { requestContext: {} }]) {
      expect(eventKindOf(event), JSON.stringify(event)).to.equal(undefined);
    }
  });

  it('sends each kind to its handler: upload summary, batch response, HTTP response', async () => {
    // Prepare
    const { handler, store } = setup();

    // Act
    const upload: HandlerSummary = await handler(loadFixture<S3Event>('s3-put'), lambdaContext());
    const batch: BatchResponse = await handler(loadFixture<S3BatchEvent>('s3-batch-v1'), lambdaContext());
    const http: FunctionUrlResponse = await handler(
      loadFixture<LambdaFunctionURLEvent>('function-url'),
      lambdaContext(),
    );

    // Assess
    expect(upload.records[0]?.status).to.equal('classified');
    expect(batch.results[0]?.resultCode).to.equal('Succeeded');
    expect(http.statusCode).to.equal(200);
    expect(store.puts.map((p) => p.key)).to.deep.equal([
      'results/uploads/my+photo 1.jpg.json',
      'results/uploads/my+photo 1.jpg.json',
    ]);
  });

  it('counts one cold start per container, whichever event comes first', async () => {
    const { handler, logger } = setup();
    await handler(loadFixture('s3-batch-v1'), lambdaContext());
    await handler(loadFixture('s3-put'), lambdaContext());
    await handler(loadFixture('function-url'), lambdaContext());
    expect(logger.withMessage('classified').map((e) => e.attributes.coldStart)).to.deep.equal([
      true,
      false,
      false,
    ]);
  });

  it('throws an InvalidEventError naming the three kinds for anything else', async () => {
    const { handler } = setup();
    let error: unknown;
    try {
      await handler({ detail: 'an EventBridge event' }, lambdaContext());
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InvalidEventError);
    expect((error as InvalidEventError).code).to.equal('INVALID_EVENT');
    expect((error as Error).message).to.match(/S3 notification .* S3 Batch Operations .* Function URL/);
  });

  describe('the table of event sources', () => {
    it('has one row per kind, and EventKind names each row', () => {
      const kinds = EVENT_SOURCES.map((source) => source.kind);
      expect(new Set(kinds).size).to.equal(kinds.length);
      expect(Object.values(EventKind)).to.deep.equal(kinds);
      expect(Object.keys(EventKind)).to.deep.equal(EVENT_SOURCES.map((source) => source.constant));
    });

    it('gives every fixture to exactly one source, so the order of the rows does not matter', () => {
      for (const fixture of [
        's3-put',
        's3-put-multi',
        's3-batch-v1',
        's3-batch-v2',
        'function-url',
        'rekognition-detect-labels',
      ] as const) {
        const matching = EVENT_SOURCES.filter((source) => source.matches(loadFixture(fixture)));
        expect(
          matching.map((source) => source.kind),
          fixture,
        ).to.have.length(1);
      }
    });
  });
});
