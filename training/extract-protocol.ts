import type { BackendChoice, DecoderName } from '../function/classifier/index';

/** Messages between the extraction pool and its worker threads. */
export interface WorkerSetup {
  modelDir: string;
  backend: BackendChoice;
  /** Resolved in the main thread: the workers use exactly this one. */
  decoder: DecoderName;
}

export type WorkerRequest =
  | { type: 'embed'; task: number; bytes: Uint8Array; mirror: boolean }
  | { type: 'stop' };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'load-failed'; code: string; message: string }
  | { type: 'vector'; task: number; vector: Float32Array }
  | { type: 'failed'; task: number; code: string; message: string };
