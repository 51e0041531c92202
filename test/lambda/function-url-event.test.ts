import { expect } from 'chai';
import {
  FUNCTION_URL_MAX_PAYLOAD_BYTES,
  isTextContentType,
  payloadBytes,
  toFunctionUrlEvent,
} from '../../scripts/lib/function-url-event';
import { loadFixture } from './support/fixtures';

const facts = {
  method: 'post',
  url: '/classify?topK=3&minConfidence=0.1',
  headers: { host: '127.0.0.1:4570', 'content-type': 'image/jpeg', 'user-agent': 'curl/8.5.0' },
  body: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  sourceIp: '127.0.0.1',
  requestId: 'req-1',
  now: new Date('2025-01-01T12:00:00.000Z'),
};

describe('local Function URL events', () => {
  it('builds the payload 2.0 event a Function URL sends, binary body base64-encoded', () => {
    // Act
    const event = toFunctionUrlEvent(facts);

    // Assess
    expect(event).to.deep.include({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/classify',
      rawQueryString: 'topK=3&minConfidence=0.1',
      queryStringParameters: { topK: '3', minConfidence: '0.1' },
      body: '/9j/4A==',
      isBase64Encoded: true,
    });
    expect(event.requestContext).to.deep.include({
      requestId: 'req-1',
      time: '01/Jan/2025:12:00:00 +0000',
      timeEpoch: 1735732800000,
      http: {
        method: 'POST',
        path: '/classify',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'curl/8.5.0',
      },
    });
  });

  it('has the same shape as the events/function-url.json fixture', () => {
    const fixture = loadFixture('function-url');
    const event = toFunctionUrlEvent(facts) as unknown as Record<string, unknown>;
    const keys = (o: unknown) => Object.keys(o as object).sort();
    expect(keys(event).filter((k) => k !== 'cookies')).to.deep.equal(keys(fixture));
    expect(keys(event.requestContext).filter((k) => k !== 'authorizer')).to.deep.equal(
      keys(fixture.requestContext).filter((k) => k !== 'authorizer'),
    );
  });

  it("passes JSON as text, and curl's default form type as binary", () => {
    const json = toFunctionUrlEvent({
      ...facts,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{}'),
    });
    expect(json).to.include({ body: '{}', isBase64Encoded: false });
    expect(isTextContentType('application/x-www-form-urlencoded')).to.equal(false);
    expect(isTextContentType('text/plain; charset=utf-8')).to.equal(true);
    expect(isTextContentType('application/vnd.api+json')).to.equal(true);
  });

  it('joins a repeated query parameter with commas and leaves out an empty body', () => {
    const event = toFunctionUrlEvent({ ...facts, url: '/classify?topK=1&topK=2', body: Buffer.alloc(0) });
    expect(event.queryStringParameters).to.deep.equal({ topK: '1,2' });
    expect(event).to.not.have.property('body');
    expect(event.isBase64Encoded).to.equal(false);
  });

  it('counts the payload as Lambda does: the event JSON, about 4/3 of a binary body', () => {
    const body = Buffer.alloc(3 * 1024 * 1024);
    const size = payloadBytes(toFunctionUrlEvent({ ...facts, body }));
    expect(size).to.be.within(4 * 1024 * 1024, 4 * 1024 * 1024 + 2048);
    expect(FUNCTION_URL_MAX_PAYLOAD_BYTES).to.equal(6_291_456);
  });
});
