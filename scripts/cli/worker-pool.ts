import type { Worker } from 'node:worker_threads';
import { ErrorCode, isErrorCode, LambdaVisionError } from '../../function/classifier/index';
import { startTsWorker } from './ts-worker';
import type { FromWorker, ToWorker } from './worker-protocol';

/** What a pool runs: one module, loaded in each of `jobs` threads with the same setup. */
export interface WorkerPoolOptions<Setup> {
  /** The worker's module: it calls `serveTasks` (worker-port.ts). */
  module: URL;
  /** Its `workerData`: what it needs to load its model. */
  setup: Setup;
  /** Worker threads, at least 1. */
  jobs: number;
  /** Lines a worker asked to print (its diagnostics): stderr. */
  onLog?: (line: string) => void;
}

/** A worker could not load what it serves (its model): the code and message it reported. */
export class WorkerLoadError extends LambdaVisionError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'WorkerLoadError';
  }
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (reply: unknown) => void; reject: (error: Error) => void }>;
}

const asCode = (code: string): ErrorCode => (isErrorCode(code) ? code : ErrorCode.UNEXPECTED);

/**
 * A pool of worker threads, each running one TypeScript module that loads its own model once (TF.js
 * runs one op at a time per thread, so cores are used by running several). `run` hands a task to the
 * least busy worker and resolves with its reply. A worker that dies fails only the tasks it held, with
 * UNEXPECTED, and is replaced; when no worker can be started any more, waiting and later tasks fail the
 * same way, so a caller never waits forever (a task that hangs inside a worker, as it would in this
 * thread, is not timed out). `close` terminates every worker (Ctrl-C, or the end).
 */
export class WorkerPool<Task, Reply, Info = unknown> {
  private readonly slots = new Set<Slot>();
  /** Workers still loading their model. */
  private readonly loading = new Set<Worker>();
  private starting = 0;
  /** Set by `close`: workers still loading are stopped then, which is not a failure to report. */
  closed = false;
  private nextId = 0;
  /** Tasks waiting for a worker to be ready (all were busy being replaced). */
  private readonly waiting: Array<() => void> = [];

  private constructor(private readonly options: WorkerPoolOptions<unknown>) {}

  private firstInfo: unknown;
  /** What the first worker reported when ready (its model's name, backend, decoder). */
  get info(): Info {
    return this.firstInfo as Info;
  }

  /**
   * Starts `jobs` workers and returns as soon as one has loaded: the others join as they become ready.
   * Throws the first WorkerLoadError if none can load (the pool is closed then).
   */
  static async start<Task, Reply, Info = unknown, Setup = unknown>(
    options: WorkerPoolOptions<Setup>,
  ): Promise<WorkerPool<Task, Reply, Info>> {
    const pool = WorkerPool.open<Task, Reply, Info, Setup>(options);
    await pool.ready;
    return pool;
  }

  /**
   * Starts `jobs` workers and returns at once; `ready` resolves when the first has loaded, or rejects with
   * the first WorkerLoadError if none can (the pool is closed then). A worker that fails while another is
   * ready is reported through `onLog`, and the pool runs with fewer. `close` stops those still loading too.
   */
  static open<Task, Reply, Info = unknown, Setup = unknown>(
    options: WorkerPoolOptions<Setup>,
  ): WorkerPool<Task, Reply, Info> {
    const pool = new WorkerPool<Task, Reply, Info>(options as WorkerPoolOptions<unknown>);
    const jobs = Math.max(1, options.jobs);
    const failures: Error[] = [];
    pool.ready = new Promise<void>((resolve, reject) => {
      let ready = false;
      for (let i = 0; i < jobs; i++) {
        pool.launch(
          () => {
            if (ready) return;
            ready = true;
            for (const error of failures) pool.options.onLog?.(`a worker could not start: ${error.message}`);
            resolve();
          },
          (error) => {
            if (ready) {
              // A worker stopped while loading because the pool was closed (Ctrl-C, or the command failed
              // before it needed the worker) did not fail: nothing to report.
              if (!pool.closed) pool.options.onLog?.(`a worker could not start: ${error.message}`);
              return;
            }
            failures.push(error);
            if (failures.length === jobs) reject(failures[0]);
          },
        );
      }
    }).catch(async (error: unknown) => {
      await pool.close();
      throw error;
    });
    // Whoever does not wait for it still must not see an unhandled rejection.
    pool.ready.catch(() => undefined);
    return pool;
  }

  /** Resolves once a worker is ready; rejects if none could load. */
  ready: Promise<void> = Promise.resolve();

  /** Live workers (replacements being started excluded). */
  get size(): number {
    return this.slots.size;
  }

  /** Runs a task on the least busy worker. Rejects with a LambdaVisionError if its worker dies or reports a throw. */
  async run(task: Task): Promise<Reply> {
    for (;;) {
      if (this.closed) throw new LambdaVisionError(ErrorCode.UNEXPECTED, 'the worker pool was closed');
      const slot = this.leastBusy();
      if (slot) return this.send(slot, task);
      if (this.starting === 0) {
        throw new LambdaVisionError(ErrorCode.UNEXPECTED, 'no worker thread left: every one died');
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Terminates every worker; tasks still running reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = [...this.slots];
    this.slots.clear();
    for (const worker of this.loading) void worker.terminate();
    this.wake();
    for (const slot of slots) this.fail(slot, 'the worker pool was closed');
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || slot.pending.size < best.pending.size) best = slot;
    return best;
  }

  private send(slot: Slot, task: Task): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (reply: unknown) => void, reject });
      slot.worker.postMessage({ type: 'task', id, task } satisfies ToWorker);
    });
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, pending: new Map() };
    this.slots.add(slot);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'log') this.options.onLog?.(message.line);
      else if (message.type === 'done' || message.type === 'failed') {
        const waiter = slot.pending.get(message.id);
        if (!waiter) return;
        slot.pending.delete(message.id);
        if (message.type === 'done') waiter.resolve(message.reply);
        else waiter.reject(new LambdaVisionError(asCode(message.code), message.message));
      }
    });
    let gone = false;
    const died = (reason: string) => {
      if (gone) return;
      gone = true;
      this.slots.delete(slot);
      this.fail(slot, `the worker thread died (${reason})`);
      void worker.terminate();
      if (!this.closed) this.replace();
    };
    worker.on('error', (error) => died(error.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
  }

  private fail(slot: Slot, message: string): void {
    for (const waiter of slot.pending.values())
      waiter.reject(new LambdaVisionError(ErrorCode.UNEXPECTED, message));
    slot.pending.clear();
  }

  private replace(): void {
    this.launch(undefined, (error) =>
      this.options.onLog?.(`a replacement worker could not start: ${error.message}`),
    );
  }

  /** Starts a worker; it is adopted (takes tasks) once its model is loaded. */
  private launch(onReady?: () => void, onFailed?: (error: Error) => void): void {
    this.starting++;
    const { worker: loading, ready } = startOne(this.options);
    this.loading.add(loading);
    ready
      .then(
        ({ worker, info }) => {
          if (this.closed) {
            void worker.terminate();
            return onFailed?.(new Error('the worker pool was closed'));
          }
          this.firstInfo ??= info;
          this.adopt(worker);
          onReady?.();
        },
        (error: Error) => onFailed?.(error),
      )
      .finally(() => {
        this.loading.delete(loading);
        this.starting--;
        this.wake();
      });
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** Starts one worker and waits for it to report ready (its model loaded), or why not. */
function startOne<Info>(options: WorkerPoolOptions<unknown>): {
  worker: Worker;
  ready: Promise<{ worker: Worker; info: Info }>;
} {
  const worker = startTsWorker(options.module, { workerData: options.setup });
  const ready = new Promise<{ worker: Worker; info: Info }>((resolve, reject) => {
    const stop = (error: Error) => {
      worker.off('message', onMessage);
      void worker.terminate();
      reject(error);
    };
    const onMessage = (message: FromWorker) => {
      if (message.type === 'log') options.onLog?.(message.line);
      else if (message.type === 'ready') {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve({ worker, info: message.info as Info });
      } else if (message.type === 'load-failed')
        stop(new WorkerLoadError(asCode(message.code), message.message));
    };
    const onError = (error: Error) =>
      stop(new WorkerLoadError(ErrorCode.UNEXPECTED, `the worker thread failed to start: ${error.message}`));
    const onExit = (code: number) =>
      stop(
        new WorkerLoadError(
          ErrorCode.UNEXPECTED,
          `the worker thread exited with code ${code} while starting`,
        ),
      );
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
  return { worker, ready };
}
