import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { expect } from 'chai';
import { codesIn, ErrorCode, ImageError, ModelError } from '../../../function/classifier';
import {
  createFunctionUrlHandler,
  type FunctionUrlResponse,
  type HandlerDeps,
  type OnDemandError,
  type OnDemandResult,
  statusFor,
} from '../../../function/lambda';
import { ObjectStoreError } from '../../../function/lambda/errors';
import { handlerWithFakes, lambdaContext, type MemoryObjectStore, testConfig } from '../support/fakes';
import { loadFixture } from '../support/fixtures';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder
const KEY = 'uploads/my+photo 1.jpg';

const FAILURES = {
  GARBAGE: new ImageError(ErrorCode.UNSUPPORTED_FORMAT, 'not a JPEG, PNG, BMP, GIF or TIFF image'),
  CORRUPT: new ImageError(ErrorCode.CORRUPT_IMAGE, 'the JPG data is damaged'),
  BUG: new TypeError('something nobody expected at /var/task/index.js'),
};

const setup = (overrides: Partial<HandlerDeps> = {}) =>
  handlerWithFakes(createFunctionUrlHandler, FAILURES, overrides);

interface RequestShape {
  method?: string;
  path?: string;
  query?: string;
  contentType?: string;
  /** Bytes are sent base64-encoded, as a Function URL delivers a binary body; a string as text. */
  body?: Uint8Array | string;
}

/** The Function URL fixture, changed into the request described. */
function request({ method = 'POST', path = '/classify', query = '', contentType, body = '' }: RequestShape) {
  const event = loadFixture<LambdaFunctionURLEvent>('function-url');
  event.rawPath = path;
  event.requestContext.http.method = method;
  event.requestContext.http.path = path;
  event.rawQueryString = query;
  event.queryStringParameters = Object.fromEntries(new URLSearchParams(query));
  event.headers = { ...event.headers, 'content-type': contentType ?? '' };
  if (contentType === undefined) delete event.headers['content-type'];
  event.isBase64Encoded = typeof body !== 'string';
  event.body = typeof body === 'string' ? body : Buffer.from(body).toString('base64');
  return event;
}

const json = <T>(response: FunctionUrlResponse): T => JSON.parse(response.body) as T;
const errorOf = (response: FunctionUrlResponse) => json<OnDemandError>(response).error;

describe('on-demand handler (Function URL, with fakes)', () => {
  describe('image bytes', () => {
    it('classifies the bytes and answers 200 with the result JSON, writing nothing', async () => {
      // Prepare
      const { handler, store, classifier, printed } = setup();

      // Act
      const response = await handler(
        request({ query: 'topK=1', contentType: 'image/jpeg', body: Buffer.from('PARROT') }),
        lambdaContext(30_000, 'req-7'),
      );

      // Assess
      expect(response.statusCode).to.equal(200);
      expect(response.headers['content-type']).to.equal('application/json');
      const doc = json<OnDemandResult>(response);
      expect(doc).to.deep.include({
        version: 1,
        status: 'ok',
        source: null,
        line: 'score=0.900000 classid=88 human=macaw',
        model: 'fake-model',
        requestId: 'req-7',
        processedAt: '2025-01-02T03:04:05.000Z',
      });
      expect(doc.predictions).to.have.length(1);
      expect(doc.timings.downloadMs).to.equal(0);
      expect(classifier.calls[0]).to.include({ topK: 1, minConfidence: 0 });
      expect(store.puts).to.have.length(0);
      expect(printed).to.deep.equal(['score=0.900000 classid=88 human=macaw']);
    });

    it("takes curl's default form content type (and no content type) as image bytes", async () => {
      const { handler } = setup();
      for (const contentType of ['application/x-www-form-urlencoded', undefined]) {
        const response = await handler(
          request({ contentType, body: Buffer.from('PARROT') }),
          lambdaContext(),
        );
        expect(response.statusCode, String(contentType)).to.equal(200);
      }
    });

    it('ignores the X-Amz-* parameters of a request signed in its query string', async () => {
      const { handler, classifier } = setup();
      const query = 'topK=2&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc&x-amz-date=20250101T000000Z';
      const response = await handler(request({ query, body: Buffer.from('PARROT') }), lambdaContext());
      expect(response.statusCode).to.equal(200);
      expect(classifier.calls[0]).to.include({ topK: 2 });
    });

    it('answers / as well as /classify, with or without a trailing slash', async () => {
      const { handler } = setup();
      for (const path of ['/', '/classify/']) {
        const response = await handler(request({ path, body: Buffer.from('PARROT') }), lambdaContext());
        expect(response.statusCode, path).to.equal(200);
      }
    });

    it('answers 413 IMAGE_TOO_LARGE above MAX_OBJECT_BYTES, before classifying', async () => {
      const { handler, classifier } = setup({ config: testConfig({ maxObjectBytes: 4 }) });
      const response = await handler(request({ body: Buffer.from('PARROT') }), lambdaContext());
      expect(response.statusCode).to.equal(413);
      expect(errorOf(response)).to.deep.equal({
        code: 'IMAGE_TOO_LARGE',
        message: 'the image is 6 bytes, above the 4 allowed (MAX_OBJECT_BYTES)',
      });
      expect(classifier.calls).to.have.length(0);
    });

    it('answers 415 UNSUPPORTED_FORMAT for bytes that are not an image', async () => {
      const { handler } = setup();
      const response = await handler(request({ body: Buffer.from('GARBAGE') }), lambdaContext());
      expect(response.statusCode).to.equal(415);
      expect(errorOf(response).code).to.equal('UNSUPPORTED_FORMAT');
    });

    it('says how to send bytes when a binary body arrived as text', async () => {
      const { handler } = setup();
      const response = await handler(
        request({ contentType: 'text/plain', body: 'GARBAGE' }),
        lambdaContext(),
      );
      expect(response.statusCode).to.equal(415);
      expect(errorOf(response).message).to.match(
        /arrived as text with Content-Type text\/plain: send image bytes/,
      );
    });

    it('answers 422 CORRUPT_IMAGE for a damaged image', async () => {
      const { handler } = setup();
      const response = await handler(request({ body: Buffer.from('CORRUPT') }), lambdaContext());
      expect(response.statusCode).to.equal(422);
      expect(errorOf(response).code).to.equal('CORRUPT_IMAGE');
    });

    it('answers 400 EMPTY_BODY for no body', async () => {
      const { handler } = setup();
      const response = await handler(request({ body: new Uint8Array(0) }), lambdaContext());
      expect(response.statusCode).to.equal(400);
      expect(errorOf(response).code).to.equal('EMPTY_BODY');
    });
  });

  describe('an S3 reference', () => {
    it('reads the object and answers its result, with topK and minConfidence from the query', async () => {
      // Prepare
      const { handler, store, classifier } = setup();
      const source = store.add(BUCKET, KEY, Buffer.from('PARROT'));

      // Act
      const response = await handler(loadFixture('function-url'), lambdaContext());

      // Assess
      expect(response.statusCode).to.equal(200);
      expect(json<OnDemandResult>(response).source).to.deep.equal({
        bucket: BUCKET,
        key: KEY,
        etag: source.etag,
        versionId: null,
        eventTime: null,
      });
      expect(classifier.calls[0]).to.include({ topK: 3, minConfidence: 0.01 });
      expect(store.puts).to.have.length(0);
    });

    it('takes topK and minConfidence from the JSON body, and JSON without a content type', async () => {
      const { handler, store, classifier } = setup();
      store.add(BUCKET, KEY, Buffer.from('PARROT'));
      const body = JSON.stringify({ s3: { bucket: BUCKET, key: KEY }, topK: 2, minConfidence: 0.5 });
      const response = await handler(request({ body }), lambdaContext());
      expect(response.statusCode).to.equal(200);
      expect(classifier.calls[0]).to.include({ topK: 2, minConfidence: 0.5 });
    });

    const s3Cases: Array<[string, (store: MemoryObjectStore) => void, number, string]> = [
      ['a missing object', () => undefined, 404, 'OBJECT_NOT_FOUND'],
      [
        // Like a missing object: a caller must not learn that it exists (docs/backfill-and-api.md).
        'an object the function may not read',
        (store) =>
          store.failGet.set(
            `${BUCKET}/${KEY}`,
            new ObjectStoreError('ACCESS_DENIED', 'AccessDenied (HTTP 403)'),
          ),
        404,
        'OBJECT_NOT_FOUND',
      ],
      [
        'an object above MAX_OBJECT_BYTES',
        (store) =>
          store.failGet.set(
            `${BUCKET}/${KEY}`,
            new ObjectStoreError('OBJECT_TOO_LARGE', 'is 30000000 bytes'),
          ),
        413,
        'OBJECT_TOO_LARGE',
      ],
      [
        'S3 slowing down (transient)',
        (store) => store.failGet.set(`${BUCKET}/${KEY}`, new ObjectStoreError('S3_THROTTLED', 'SlowDown')),
        503,
        'S3_THROTTLED',
      ],
    ];
    for (const [what, prepare, status, code] of s3Cases) {
      it(`answers ${status} ${code} for ${what}`, async () => {
        const { handler, store } = setup();
        prepare(store);
        const response = await handler(loadFixture('function-url'), lambdaContext());
        expect(response.statusCode).to.equal(status);
        expect(errorOf(response).code).to.equal(code);
        if (status === 503) expect(response.headers['retry-after']).to.equal('1');
      });
    }
  });

  describe('bad requests', () => {
    const cases: Array<[string, RequestShape, number, string, RegExp]> = [
      [
        'topK=0',
        { query: 'topK=0' },
        400,
        'INVALID_PARAMETER',
        /^topK \(query string\) must be a whole number from 1 to 100, got "0"$/,
      ],
      ['topK=abc', { query: 'topK=abc' }, 400, 'INVALID_PARAMETER', /topK/],
      ['minConfidence=2', { query: 'minConfidence=2' }, 400, 'INVALID_PARAMETER', /from 0 to 1/],
      [
        'an unknown parameter',
        { query: 'maxLabels=3' },
        400,
        'INVALID_PARAMETER',
        /unknown query parameter "maxLabels"/,
      ],
      ['a repeated parameter', { query: 'topK=1&topK=2' }, 400, 'INVALID_PARAMETER', /more than once/],
      [
        'a parameter given twice, differently',
        { query: 'topK=1', body: JSON.stringify({ s3: { bucket: BUCKET, key: KEY }, topK: 2 }) },
        400,
        'INVALID_PARAMETER',
        /topK is given twice with different values \(query string 1, JSON body 2\)/,
      ],
      [
        'broken JSON',
        { contentType: 'application/json', body: '{"s3": ' },
        400,
        'INVALID_JSON',
        /not valid JSON/,
      ],
      ['JSON of the wrong shape', { body: '{"bucket": "b", "key": "k"}' }, 400, 'INVALID_REQUEST', /s3/],
      ['GET', { method: 'GET' }, 405, 'METHOD_NOT_ALLOWED', /^GET is not allowed/],
      ['another path', { path: '/admin' }, 404, 'ROUTE_NOT_FOUND', /no such path "\/admin"/],
    ];
    for (const [what, shape, status, code, message] of cases) {
      it(`answers ${status} ${code} for ${what}`, async () => {
        const { handler, classifier } = setup();
        const response = await handler(request({ body: Buffer.from('PARROT'), ...shape }), lambdaContext());
        expect(response.statusCode).to.equal(status);
        expect(errorOf(response).code).to.equal(code);
        expect(errorOf(response).message).to.match(message);
        expect(classifier.calls).to.have.length(0);
        if (status === 405) expect(response.headers.allow).to.equal('POST');
      });
    }
  });

  describe('failures of the function', () => {
    it('answers 500 without the error message for a bug, and logs it with the request id', async () => {
      const { handler, logger } = setup();
      const response = await handler(request({ body: Buffer.from('BUG') }), lambdaContext(30_000, 'req-9'));
      expect(response.statusCode).to.equal(500);
      expect(errorOf(response)).to.deep.equal({
        code: 'UNEXPECTED',
        message: "internal error (UNEXPECTED); see the function's logs for request req-9",
      });
      expect(logger.withMessage('on-demand request failed')[0]?.attributes).to.include({
        requestId: 'req-9',
      });
    });

    it('answers 500 with the model error code when the model failed to load', async () => {
      const loading = Promise.reject(new ModelError(ErrorCode.MODEL_NOT_FOUND, 'no model at /opt/model'));
      loading.catch(() => undefined);
      const { handler } = setup({ classifier: loading });
      const response = await handler(request({ body: Buffer.from('PARROT') }), lambdaContext());
      expect(response.statusCode).to.equal(500);
      expect(errorOf(response).code).to.equal('MODEL_NOT_FOUND');
    });

    it('throws for an event that is not a Function URL request', async () => {
      const { handler } = setup();
      let error: unknown;
      try {
        await handler({ requestContext: { http: {} } }, lambdaContext());
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.match(/^not a Lambda Function URL event/);
    });
  });

  it('answers 504 DEADLINE, classifying nothing, when too little time is left to start', async () => {
    // Prepare
    const { handler, classifier } = setup();

    // Act
    const response = await handler(
      request({ contentType: 'image/jpeg', body: Buffer.from('PARROT') }),
      lambdaContext(500, 'req-late'),
    );

    // Assess
    expect(response.statusCode).to.equal(504);
    expect(errorOf(response).code).to.equal('DEADLINE');
    expect(classifier.calls).to.have.length(0);
  });

  it('maps every S3 failure code to a status', () => {
    for (const code of codesIn('object')) expect(statusFor(code), code).to.be.within(400, 599);
    expect(statusFor('S3_UNREACHABLE')).to.equal(503);
  });
});
