import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { SANDBOX_MEMORY_MB } from './bundle-options';
import { LOCAL_S3_REGION } from './local-s3';

/** A Lambda context for in-process runs (dev server, local backfill): a fresh request id, a deadline. */
export function localContext(functionName: string, timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_S3_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(SANDBOX_MEMORY_MB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
