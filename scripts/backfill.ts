import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runBackfill } from './lib/backfill-command';

/**
 * The backfill runs in a worker thread; this thread only relays Ctrl-C to it. Classification is
 * synchronous CPU work (wasm) that would keep a single thread from seeing the signal for hundreds of
 * milliseconds, and tsx (which `npm run` uses to run this file) SIGKILLs a child that has not seen a
 * relayed signal within about 60 ms: the run would die without its summary.
 *
 * The first Ctrl-C stops taking new objects and lets those in flight finish (each result is one atomic
 * PUT), so the run can be resumed; a second one exits at once. Only this file exits.
 */
interface Start {
  argv: string[];
  stderrIsTTY: boolean;
}

if (isMainThread) {
  const start: Start = { argv: process.argv.slice(2), stderrIsTTY: process.stderr.isTTY === true };
  const worker = new Worker(new URL(import.meta.url), { workerData: start });
  // tsx may relay the terminal's Ctrl-C to this process a second time a few milliseconds later: a
  // repeat within a second is the same Ctrl-C, not a second one.
  let stoppedAt: number | undefined;
  process.on('SIGINT', () => {
    if (stoppedAt !== undefined) {
      if (Date.now() - stoppedAt > 1000) process.exit(130);
      return;
    }
    stoppedAt = Date.now();
    process.stderr.write('\nstopping after the objects in flight (Ctrl-C again to quit now) ...\n');
    worker.postMessage('stop');
  });
  worker.on('error', (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
  worker.on('exit', (code) => process.exit(code));
} else {
  const { argv, stderrIsTTY } = workerData as Start;
  const stop = new AbortController();
  parentPort?.on('message', (message) => {
    if (message === 'stop') stop.abort();
  });
  const status = await runBackfill(
    argv,
    {
      stdout: process.stdout,
      stderr: { write: (chunk: string) => process.stderr.write(chunk), isTTY: stderrIsTTY },
      env: process.env,
    },
    stop.signal,
  );
  // Ends this worker with the status; the main thread exits with it.
  process.exit(status);
}
