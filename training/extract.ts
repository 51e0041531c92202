import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import {
  type BackendChoice,
  type DecoderChoice,
  type ErrorCode,
  LambdaVisionError,
  loadClassifier,
  resolveDecoder,
} from '../function/classifier/index';
import type { LabelledImage } from './dataset';
import { TrainingError } from './errors';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './extract-protocol';

export interface SkippedImage {
  id: string;
  /** A LambdaVision code (CORRUPT_IMAGE, UNSUPPORTED_FORMAT, ...) or the system's (ENOENT, NoSuchKey). */
  code: string;
  message: string;
}

export interface ExtractOptions {
  modelDir: string;
  /** Worker threads, one model each (default: all cores, at most one per image to extract). */
  workers?: number;
  backend?: BackendChoice;
  /**
   * The decoder the images go through: `auto` (default) takes sharp where it loads, as the CLI, the dev
   * loop and the deployed function with its decoder layer do, so a head is trained on the pixels it will
   * see; part of the cache key.
   */
  decoder?: DecoderChoice;
  /** Embeddings kept here by image content and base model; none kept when absent. */
  cacheDir?: string;
  /** Also embed each image mirrored left to right (light augmentation). */
  mirror?: boolean;
  onProgress?: (done: number, total: number) => void;
  /**
   * Starts a worker thread on a TypeScript module: the default inherits this process's loader flags
   * (tsx, mocha); a caller that registered its loader in-process passes its own (the CLI's startTsWorker).
   */
  startWorker?: WorkerStarter;
  /** Aborted: no further image is started (the ones done are returned). */
  signal?: AbortSignal;
}

export interface Extraction {
  /** Per item, in order: its embedding (and the mirrored one), or undefined where it was skipped. */
  vectors: (Float32Array | undefined)[];
  mirrored: (Float32Array | undefined)[];
  /** sha256 of each item's bytes (undefined where unreadable). */
  hashes: (string | undefined)[];
  skipped: SkippedImage[];
  fromCache: number;
  extracted: number;
  /** Wall time of the extraction proper (workers' model loading excluded). */
  extractMs: number;
  workers: number;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A digest of every file in the model folder: a cache key that changes when any weight does. */
export async function modelHash(modelDir: string): Promise<string> {
  const entries = await readdir(modelDir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(modelDir, file));
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

interface Task {
  index: number;
  bytes: Uint8Array;
  mirror: boolean;
  cacheFile?: string;
}

async function readCached(file: string | undefined, size?: number): Promise<Float32Array | undefined> {
  if (!file) return undefined;
  const bytes = await readFile(file).catch(() => undefined);
  if (!bytes || bytes.length % 4 !== 0 || (size !== undefined && bytes.length !== size * 4)) return undefined;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

async function writeCached(file: string, vector: Float32Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  await rename(temp, file);
}

/**
 * Part of the cache key with the base model and the decoder: bumped when the pixels the base model sees
 * for the same image change (2: sharp makes the model's input itself, Lanczos 3), so embeddings cached
 * by an earlier version are not mixed with new ones.
 */
const PREPROCESSING_VERSION = 2;

const workerUrl = new URL('./extract-worker.ts', import.meta.url);

export type WorkerStarter = (module: URL, options: Omit<WorkerOptions, 'argv'>) => Worker;
const startWorkerThread: WorkerStarter = (module, options) => new Worker(module, options);

/** Runs tasks on a pool of worker threads, each with its own copy of the model. */
async function runPool(
  tasks: Task[],
  setup: WorkerSetup,
  workers: number,
  onResult: (task: Task, reply: WorkerReply) => Promise<void>,
  signal?: AbortSignal,
  startWorker: WorkerStarter = startWorkerThread,
): Promise<number> {
  if (tasks.length === 0) return 0;
  const pool: Worker[] = [];
  try {
    const ready = await Promise.all(
      Array.from({ length: workers }, () => {
        const worker = startWorker(workerUrl, { workerData: setup });
        pool.push(worker);
        return new Promise<Worker>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('message', (message: WorkerReply) => {
            if (message.type === 'ready') resolve(worker);
            else if (message.type === 'load-failed')
              reject(new TrainingError(message.code as ErrorCode, `base model: ${message.message}`));
          });
        });
      }),
    );
    const start = performance.now();
    let next = 0;
    await Promise.all(
      ready.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              const task = signal?.aborted ? undefined : tasks[next++];
              if (!task) return resolve();
              const request: WorkerRequest = {
                type: 'embed',
                task: task.index,
                bytes: task.bytes,
                mirror: task.mirror,
              };
              worker.postMessage(request);
              worker.once('message', (reply: WorkerReply) => {
                onResult(task, reply).then(send, reject);
              });
            };
            worker.once('error', reject);
            send();
          }),
      ),
    );
    return performance.now() - start;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** One thread's worth of work is done in this thread: a worker's start-up (a few seconds) is not worth it. */
async function runHere(
  tasks: Task[],
  setup: WorkerSetup,
  onResult: (task: Task, reply: WorkerReply) => Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  if (tasks.length === 0) return 0;
  const classifier = await loadClassifier({
    modelDir: setup.modelDir,
    backend: setup.backend,
    decoder: setup.decoder,
  });
  try {
    const embed = classifier.embed?.bind(classifier);
    if (!embed)
      throw new TrainingError('MODEL_INVALID' as ErrorCode, `${setup.modelDir} cannot expose embeddings`);
    const start = performance.now();
    for (const task of tasks) {
      if (signal?.aborted) break;
      try {
        const vector = await embed(task.bytes, { mirror: task.mirror });
        await onResult(task, { type: 'vector', task: task.index, vector });
      } catch (error) {
        const code = error instanceof LambdaVisionError ? error.code : 'CORRUPT_IMAGE';
        await onResult(task, { type: 'failed', task: task.index, code, message: (error as Error).message });
      }
    }
    return performance.now() - start;
  } finally {
    classifier.dispose();
  }
}

/**
 * Embeds every readable image with the base model on all cores. Images already embedded with the same
 * model (same content hash) come from the cache; unreadable ones are skipped and listed with their code.
 */
export async function extractEmbeddings(
  items: readonly LabelledImage[],
  options: ExtractOptions,
): Promise<Extraction> {
  const mirror = options.mirror ?? false;
  // Resolved once, here: `auto` becomes the decoder that loads in this process (sharp is loaded in the
  // main thread before any worker, as sharp advises), and the workers are given that name, so one that
  // cannot load it fails instead of embedding through another decoder under this cache key.
  const decoder = resolveDecoder(options.decoder ?? 'auto');
  const cacheRoot = options.cacheDir
    ? path.join(
        options.cacheDir,
        `${(await modelHash(options.modelDir)).slice(0, 24)}-${decoder}-p${PREPROCESSING_VERSION}`,
      )
    : undefined;
  const result: Extraction = {
    vectors: items.map(() => undefined),
    mirrored: items.map(() => undefined),
    hashes: items.map(() => undefined),
    skipped: [],
    fromCache: 0,
    extracted: 0,
    extractMs: 0,
    workers: 0,
  };
  const total = items.length;
  let done = 0;
  const progress = () => options.onProgress?.(done, total);
  const tasks: Task[] = [];
  const pending = new Map<number, number>();
  const failed = new Set<number>();
  for (const [index, item] of items.entries()) {
    let bytes: Uint8Array;
    try {
      bytes = await item.read();
    } catch (error) {
      const code = (error as { code?: string; name?: string }).code ?? (error as Error).name ?? 'READ_FAILED';
      result.skipped.push({ id: item.id, code, message: (error as Error).message });
      done++;
      progress();
      continue;
    }
    const hash = sha256(bytes);
    result.hashes[index] = hash;
    const wanted: boolean[] = mirror ? [false, true] : [false];
    let missing = 0;
    for (const m of wanted) {
      const cacheFile =
        cacheRoot && path.join(cacheRoot, hash.slice(0, 2), `${hash}${m ? '-mirror' : ''}.f32`);
      const cached = await readCached(cacheFile);
      if (cached) {
        (m ? result.mirrored : result.vectors)[index] = cached;
        continue;
      }
      tasks.push({ index, bytes, mirror: m, cacheFile });
      missing++;
    }
    if (missing === 0) {
      result.fromCache++;
      done++;
      progress();
    } else pending.set(index, missing);
  }
  // Below ~8 images per extra thread, a worker's start-up costs more than it saves.
  // A worker thread takes seconds to start: fewer than ~8 images each are embedded faster in this one.
  const images = new Set(tasks.map((t) => t.index)).size;
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), Math.floor(images / 8)));
  result.workers = tasks.length > 0 ? workers : 0;
  const setup: WorkerSetup = { modelDir: options.modelDir, backend: options.backend ?? 'auto', decoder };
  const onResult = async (task: Task, reply: WorkerReply) => {
    if (reply.type === 'vector') {
      (task.mirror ? result.mirrored : result.vectors)[task.index] = reply.vector;
      if (task.cacheFile) await writeCached(task.cacheFile, reply.vector);
    } else if (reply.type === 'failed' && !failed.has(task.index)) {
      failed.add(task.index);
      result.skipped.push({
        id: items[task.index]?.id ?? String(task.index),
        code: reply.code,
        message: reply.message,
      });
    }
    const left = (pending.get(task.index) ?? 1) - 1;
    pending.set(task.index, left);
    if (left === 0) {
      done++;
      if (!failed.has(task.index)) result.extracted++;
      progress();
    }
  };
  result.extractMs =
    workers === 1
      ? await runHere(tasks, setup, onResult, options.signal)
      : await runPool(tasks, setup, workers, onResult, options.signal, options.startWorker);
  for (const index of failed) {
    result.vectors[index] = undefined;
    result.mirrored[index] = undefined;
  }
  return result;
}
