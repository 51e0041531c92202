import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-protocol';

/** What a worker module serves: loaded once, then asked one task at a time (or several, if the pool sends them). */
export interface TaskServer<Task, Reply> {
  /** Sent to the pool with `ready` (the model's name, backend, decoder). */
  info: unknown;
  handle(task: Task): Promise<Reply>;
}

/** A thrown value as the pool reports it: a stable code when it has one, else UNEXPECTED. */
function codeOf(error: unknown): { code: string; message: string } {
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'UNEXPECTED';
  return { code, message: error instanceof Error ? error.message : String(error) };
}

/**
 * The worker side of a WorkerPool: `load` gets the pool's setup (workerData) and a way to print a line on the
 * main thread's stderr, and returns the server; a load that throws is reported as `load-failed` with its code.
 */
export async function serveTasks<Setup, Task, Reply>(
  load: (setup: Setup, log: (line: string) => void) => Promise<TaskServer<Task, Reply>>,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('a pool worker runs only as a worker thread');
  const post = (message: FromWorker) => port.postMessage(message);
  let server: TaskServer<Task, Reply>;
  try {
    server = await load(workerData as Setup, (line) => post({ type: 'log', line }));
  } catch (error) {
    post({ type: 'load-failed', ...codeOf(error) });
    return;
  }
  port.on('message', (message: ToWorker) => {
    server.handle(message.task as Task).then(
      (reply) => post({ type: 'done', id: message.id, reply }),
      (error: unknown) => post({ type: 'failed', id: message.id, ...codeOf(error) }),
    );
  });
  post({ type: 'ready', info: server.info });
}
