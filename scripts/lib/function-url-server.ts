import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { ErrorCode } from '../../function/classifier';
import type { FunctionUrlResponse } from '../../function/lambda';
import { FUNCTION_URL_MAX_PAYLOAD_BYTES, payloadBytes, toFunctionUrlEvent } from './function-url-event';
import { localContext } from './local-context';

export interface FunctionUrlServerOptions {
  /** The function's handler, called with the Function URL event each request becomes. */
  handler: (event: LambdaFunctionURLEvent, context: Context) => Promise<FunctionUrlResponse>;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default: there is no IAM here. */
  address?: string;
  functionName?: string;
  /** One line per request, for the person at the terminal. */
  say?: (line: string) => void;
  /** Requests the local server answers itself (the dev page), before the function sees them. */
  pages?: (
    method: string,
    url: string,
  ) => Promise<{ status: number; headers: Record<string, string>; body: string | Buffer } | undefined>;
}

export interface FunctionUrlServer {
  /** e.g. http://127.0.0.1:4570 */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

// A request far above the limit is drained up to here (so the client reads the 413), then cut off.
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function tooLarge(res: ServerResponse, requestId: string, bytes: number, what: string): void {
  const message = `${what} is ${bytes} bytes, above Lambda's ${FUNCTION_URL_MAX_PAYLOAD_BYTES}-byte limit for a synchronous invocation (about 4.5 MB of image once base64-encoded); send an S3 reference for larger images`;
  send(
    res,
    413,
    { 'content-type': 'application/json', 'x-amzn-requestid': requestId, connection: 'close' },
    `${JSON.stringify({ error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message }, requestId }, null, 2)}\n`,
  );
}

/**
 * A local stand-in for a Lambda Function URL (BUFFERED): each HTTP request becomes the payload 2.0 event
 * the URL would send, the handler's response becomes the HTTP response, and payloads over Lambda's 6 MB
 * are refused with 413 before the handler runs, as on AWS. A handler that throws gives 502, as on AWS.
 */
export async function startFunctionUrlServer(options: FunctionUrlServerOptions): Promise<FunctionUrlServer> {
  const functionName = options.functionName ?? 'lambdavision-dev';

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received <= FUNCTION_URL_MAX_PAYLOAD_BYTES) chunks.push(chunk);
      else if (received > MAX_DRAIN_BYTES) break;
    }
    const line = (status: number) =>
      options.say?.(
        `request: ${req.method} ${req.url} (${received} bytes) -> ${status} in ${Math.round(performance.now() - started)} ms`,
      );
    if (received > FUNCTION_URL_MAX_PAYLOAD_BYTES) {
      tooLarge(res, requestId, received, 'the request body');
      line(413);
      if (received > MAX_DRAIN_BYTES) req.destroy();
      return;
    }
    const page = await options.pages?.(req.method ?? 'GET', req.url ?? '/');
    if (page) {
      send(res, page.status, { ...page.headers, 'x-amzn-requestid': requestId }, page.body);
      line(page.status);
      return;
    }
    const event = toFunctionUrlEvent({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      requestId,
    });
    const size = payloadBytes(event);
    if (size > FUNCTION_URL_MAX_PAYLOAD_BYTES) {
      tooLarge(res, requestId, size, 'the invocation payload (the event, body base64-encoded)');
      line(413);
      return;
    }
    const context = { ...localContext(functionName), awsRequestId: requestId };
    let response: FunctionUrlResponse;
    try {
      response = await options.handler(event, context);
    } catch (error) {
      options.say?.(`  !! the handler threw: ${(error as Error).message}`);
      send(
        res,
        502,
        { 'content-type': 'text/plain', 'x-amzn-requestid': requestId },
        'Internal Server Error',
      );
      line(502);
      return;
    }
    const body = response.isBase64Encoded
      ? Buffer.from(response.body, 'base64')
      : Buffer.from(response.body ?? '', 'utf8');
    send(res, response.statusCode, { ...response.headers, 'x-amzn-requestid': requestId }, body);
    line(response.statusCode);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      options.say?.(`  !! ${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, 'Internal Server Error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.address ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://${address.address}:${address.port}`,
    port: address.port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
