/**
 * When `error` (or a cause, or an aggregate's member) is a refused TCP connection, one line saying what to
 * start; else undefined. The AWS SDK and fetch wrap the socket error, so the chain is walked.
 */
export function connectionRefused(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift() as {
      code?: unknown;
      address?: unknown;
      port?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (e.code === 'ECONNREFUSED') {
      const where = typeof e.address === 'string' ? ` at ${e.address}${e.port ? `:${e.port}` : ''}` : '';
      return `nothing is listening${where} (connection refused): start the local endpoint first with \`npx lambdavision dev\` (or pass --endpoint-url)`;
    }
    queue.push(e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return undefined;
}
