/** Messages between a WorkerPool (worker-pool.ts) and its workers (worker-port.ts). Data only. */
export type ToWorker = { type: 'task'; id: number; task: unknown };

export type FromWorker =
  | { type: 'ready'; info: unknown }
  | { type: 'load-failed'; code: string; message: string }
  | { type: 'done'; id: number; reply: unknown }
  | { type: 'failed'; id: number; code: string; message: string }
  | { type: 'log'; line: string };
