import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of the local S3 server that breaks chosen requests the way S3 and networks
 * break: error answers (500, 503 SlowDown, 403), a connection reset in the middle of a body, a body that
 * trickles in too slowly. Requests pass through unchanged otherwise (SigV4 still verifies: the Host
 * header the client signed is forwarded as is).
 */

export type Fault =
  /** An S3 error document with this HTTP status and error code. */
  | { kind: 'status'; status: number; code: string; message?: string }
  /** Headers and the first `fraction` of the real body, then the socket is destroyed. */
  | { kind: 'reset-mid-body'; fraction?: number }
  /** The real answer, `bytes` at a time every `everyMs`: a body that takes far longer than it should. */
  | { kind: 'slow-body'; bytes: number; everyMs: number };

export interface FaultRule {
  method: 'GET' | 'PUT' | 'HEAD';
  /** The object key (decoded), in any bucket. */
  key: string;
  fault: Fault;
  /** How many matching requests to break; then they pass. */
  times: number;
}

export interface ProxiedRequest {
  method: string;
  key: string;
  fault?: Fault['kind'];
  /** For broken bodies: bytes sent before the connection ended, and the body's full length. */
  sent?: number;
  length?: number;
  /** The client went away before the body was complete. */
  clientClosed?: boolean;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request seen, in order. */
  readonly requests: ProxiedRequest[];
  inject(rule: FaultRule): void;
  /** Removes every rule: the network heals. */
  heal(): void;
  close(): Promise<void>;
}

function keyOf(url: string | undefined): string {
  // Path-style addressing: /<bucket>/<key>?query
  const pathname = new URL(url ?? '/', 'http://proxy').pathname;
  return decodeURIComponent(pathname.split('/').slice(2).join('/'));
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Sends the request on to S3 and collects the whole answer. */
function forward(
  target: URL,
  req: IncomingMessage,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 502,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    upstream.on('error', reject);
    req.pipe(upstream);
  });
}

export async function startFaultProxy(targetEndpoint: string): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  const rules: FaultRule[] = [];
  const requests: ProxiedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer(async (req, res) => {
    const key = keyOf(req.url);
    const seen: ProxiedRequest = { method: req.method ?? '', key };
    requests.push(seen);
    const rule = rules.find((r) => r.times > 0 && r.method === req.method && r.key === key);
    if (rule) rule.times -= 1;
    const fault = rule?.fault;
    seen.fault = fault?.kind;
    try {
      if (fault?.kind === 'status') {
        req.resume();
        s3Error(res, fault.status, fault.code, fault.message ?? `injected ${fault.code}`);
        return;
      }
      const answer = await forward(target, req);
      if (!fault) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      seen.length = answer.body.length;
      res.writeHead(answer.status, answer.headers);
      if (fault.kind === 'reset-mid-body') {
        const cut = Math.floor(answer.body.length * (fault.fraction ?? 0.5));
        res.write(answer.body.subarray(0, cut), () => {
          seen.sent = cut;
          res.socket?.destroy();
        });
        return;
      }
      // slow-body
      let sent = 0;
      res.on('close', () => {
        if (sent < answer.body.length) seen.clientClosed = true;
      });
      const tick = () => {
        if (res.destroyed) return;
        const next = Math.min(answer.body.length, sent + fault.bytes);
        res.write(answer.body.subarray(sent, next));
        sent = next;
        seen.sent = sent;
        if (sent >= answer.body.length) {
          res.end();
          return;
        }
        const timer = setTimeout(() => {
          timers.delete(timer);
          tick();
        }, fault.everyMs);
        timers.add(timer);
      };
      tick();
    } catch (error) {
      if (!res.headersSent) s3Error(res, 502, 'ProxyError', (error as Error).message);
      else res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    inject: (rule) => rules.push({ ...rule }),
    heal: () => rules.splice(0),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
