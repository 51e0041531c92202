/**
 * A stand-in for Lambda's Node.js runtime, run as its own process (Node 24 where available, so that it
 * matches nodejs24.x): loads the module `$_HANDLER` names from `$LAMBDA_TASK_ROOT` with require (as
 * Lambda loads a CommonJS handler, NODE_PATH included), then calls its handler with each event file in turn, as one warm
 * container would, printing START/END/REPORT lines the way CloudWatch shows them.
 *
 *   node lambda-runtime.ts OUTCOME.json TIMEOUT_MS EVENT.json [EVENT.json ...]
 *
 * Only Node built-ins and erasable TypeScript here: Node 24 runs this file without a build step.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface InvocationOutcome {
  requestId: string;
  durationMs: number;
  result?: unknown;
  error?: { errorType: string; errorMessage: string; stack?: string; errors?: string[] };
}

export interface RuntimeOutcome {
  node: string;
  initMs: number;
  initError?: { errorType: string; errorMessage: string; stack?: string };
  invocations: InvocationOutcome[];
  maxRssMb: number;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const round = (n: number): number => Math.round(n * 100) / 100;

function describe(error: unknown): {
  errorType: string;
  errorMessage: string;
  stack?: string;
  errors?: string[];
} {
  if (!(error instanceof Error)) return { errorType: 'Error', errorMessage: String(error) };
  // An AggregateError, or an error of the same shape (the function's RetryableRecordsError).
  const inner: unknown = (error as { errors?: unknown }).errors;
  const errors = Array.isArray(inner)
    ? inner.map((e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)))
    : undefined;
  return {
    errorType: error.name,
    errorMessage: error.message,
    stack: error.stack,
    ...(errors ? { errors } : {}),
  };
}

function lambdaContext(requestId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const env = process.env;
  const name = env.AWS_LAMBDA_FUNCTION_NAME ?? 'lambdavision-local';
  const region = env.AWS_REGION ?? 'us-east-1';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${name}`,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1536', // the sandbox always sets it
    awsRequestId: requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${name}`,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function main(argv: string[]): Promise<number> {
  const [outcomeFile, timeoutText, ...eventFiles] = argv;
  const timeoutMs = Number(timeoutText);
  if (!outcomeFile || !Number.isFinite(timeoutMs) || eventFiles.length === 0) {
    console.error('usage: lambda-runtime OUTCOME.json TIMEOUT_MS EVENT.json [EVENT.json ...]');
    return 2;
  }
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const [moduleName, exportName = 'handler'] = (process.env._HANDLER ?? 'index.handler').split('.');
  const outcome: RuntimeOutcome = { node: process.version, initMs: 0, invocations: [], maxRssMb: 0 };
  const save = () => {
    outcome.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    writeFileSync(outcomeFile, JSON.stringify(outcome, null, 2));
  };

  const initStart = performance.now();
  let handler: Handler;
  try {
    const required = createRequire(path.join(taskRoot, 'noop.js'))(path.join(taskRoot, `${moduleName}.js`));
    handler = required[exportName];
    if (typeof handler !== 'function') throw new Error(`${moduleName}.${exportName} is not a function`);
  } catch (error) {
    outcome.initMs = round(performance.now() - initStart);
    outcome.initError = describe(error);
    console.log(
      `INIT_REPORT Init Duration: ${outcome.initMs} ms Phase: init Status: error Error Type: ${outcome.initError.errorType}`,
    );
    console.log(
      JSON.stringify({
        errorType: outcome.initError.errorType,
        errorMessage: outcome.initError.errorMessage,
      }),
    );
    save();
    return 1;
  }
  outcome.initMs = round(performance.now() - initStart);

  for (const file of eventFiles) {
    const event: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const requestId = randomUUID();
    console.log(`START RequestId: ${requestId} Version: $LATEST`);
    const start = performance.now();
    const invocation: InvocationOutcome = { requestId, durationMs: 0 };
    try {
      invocation.result = await handler(event, lambdaContext(requestId, timeoutMs));
    } catch (error) {
      invocation.error = describe(error);
      console.log(
        JSON.stringify({
          errorType: invocation.error.errorType,
          errorMessage: invocation.error.errorMessage,
        }),
      );
    }
    invocation.durationMs = round(performance.now() - start);
    outcome.invocations.push(invocation);
    const init = outcome.invocations.length === 1 ? ` Init Duration: ${outcome.initMs} ms` : '';
    console.log(`END RequestId: ${requestId}`);
    console.log(
      `REPORT RequestId: ${requestId} Duration: ${invocation.durationMs} ms Memory Size: ${process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '?'} MB Max Memory Used: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB${init}`,
    );
  }
  save();
  return outcome.invocations.some((i) => i.error) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
