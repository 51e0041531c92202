import { Worker, type WorkerOptions } from 'node:worker_threads';

const ENTRY = new URL('./ts-worker-entry.mjs', import.meta.url);

/**
 * A worker thread running a TypeScript module, on Node 20 as on 24: the worker starts from a small
 * JavaScript entry that registers tsx, then imports `module` (its `workerData` is the caller's).
 */
export function startTsWorker(module: URL, options: Omit<WorkerOptions, 'argv'> = {}): Worker {
  return new Worker(ENTRY, { ...options, argv: [module.href] });
}
