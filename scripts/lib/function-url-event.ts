import type { IncomingHttpHeaders } from 'node:http';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * Lambda's limit on a synchronous invocation's request payload (the event JSON, so a binary body counts
 * base64-encoded: about 4.5 MB of image). A Function URL answers 413 itself above it; the function never
 * runs. (Lambda quotas: "6 MB each for request and response (synchronous)"; the error names 6291456 bytes.)
 */
export const FUNCTION_URL_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

// Bodies of these types reach the function as text; everything else (images, octet-stream, and curl's
// default form type, so that `curl --data-binary @photo.jpg` works) base64-encoded, as binary.
const TEXT_TYPES = [/^text\//, /^application\/(json|xml|javascript)$/, /\+(json|xml)$/];

export const isTextContentType = (contentType: string | undefined): boolean => {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return TEXT_TYPES.some((pattern) => pattern.test(type));
};

export interface HttpRequestFacts {
  method: string;
  /** The request target: path and query string, e.g. /classify?topK=3 */
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  sourceIp: string;
  requestId: string;
  now?: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');
// requestContext.time as Lambda writes it: 01/Jan/2025:12:00:00 +0000
const clfTime = (d: Date) =>
  `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;

/**
 * The event a Lambda Function URL (payload format 2.0) would build from this HTTP request, so that the
 * local endpoint runs the handler exactly as the deployed URL does. No IAM here: requestContext has no
 * authorizer (on AWS, AuthType AWS_IAM has already checked the SigV4 signature before the function runs).
 */
export function toFunctionUrlEvent(request: HttpRequestFacts): LambdaFunctionURLEvent {
  const now = request.now ?? new Date();
  const target = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  // Repeated parameters are joined with commas, as Function URLs do.
  const query: Record<string, string> = {};
  for (const [name, value] of target.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const host = headers.host ?? 'localhost';
  const text = isTextContentType(headers['content-type']);
  const event: LambdaFunctionURLEvent = {
    version: '2.0',
    routeKey: '$default',
    rawPath: target.pathname,
    rawQueryString: target.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method.toUpperCase(),
        path: target.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: request.body.length > 0 && !text,
  };
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (headers.cookie) event.cookies = headers.cookie.split(/;\s*/);
  if (request.body.length > 0) {
    event.body = text
      ? Buffer.from(request.body).toString('utf8')
      : Buffer.from(request.body).toString('base64');
  }
  return event;
}

/** The size Lambda counts against FUNCTION_URL_MAX_PAYLOAD_BYTES: the event as JSON. */
export const payloadBytes = (event: LambdaFunctionURLEvent): number =>
  Buffer.byteLength(JSON.stringify(event));
