import { readFileSync } from 'node:fs';
import type { ColdStartJob, ColdStartResult } from './job-types';

/**
 * Which native or external packages this process has loaded (the CommonJS cache: they stay outside the
 * bundle). jimp is bundled, so it is kept out of the peer's process by imports alone (peer-classifier.ts).
 */
function loadedPackages(): NonNullable<ColdStartResult['loaded']> {
  const files = Object.keys(require.cache);
  const has = (re: RegExp) => files.some((f) => re.test(f));
  return {
    tfjs: has(/[\\/]@tensorflow[\\/]/),
    sharp: has(/[\\/]sharp[\\/]/),
    onnxruntime: has(/[\\/]onnxruntime-node[\\/]/),
  };
}

/*
 * A fresh process to its first result: everything is imported dynamically here so the import time is
 * measured (esbuild evaluates a dynamically imported module only when the import runs). Times are
 * milliseconds since the process started, so they include Node's own start-up. One function per engine,
 * so that each engine's bundle (buildColdStartWorkers in worker-bundle.ts) holds only its own pipeline.
 */

/** Times one pipeline from this module's entry to its first result on the job's image. */
async function firstResult<M, C>(
  job: ColdStartJob,
  importIt: () => Promise<M>,
  load: (module: M) => Promise<C>,
  classify: (classifier: C, bytes: Buffer) => Promise<{ backend: ColdStartResult['backend']; top1: string }>,
  reportLoaded: boolean,
): Promise<ColdStartResult> {
  const entryMs = performance.now();
  const module = await importIt();
  const importedMs = performance.now();
  const classifier = await load(module);
  const loadedMs = performance.now();
  const { backend, top1 } = await classify(classifier, readFileSync(job.image));
  const firstResultMs = performance.now();
  return {
    backend,
    entryMs,
    importedMs,
    loadedMs,
    firstResultMs,
    top1,
    ...(reportLoaded ? { loaded: loadedPackages() } : {}),
  };
}

export function coldStartPeer(job: ColdStartJob): Promise<ColdStartResult> {
  return firstResult(
    job,
    () => import('../peer-classifier'),
    (m) => m.loadPeerClassifier(job.modelDir, job.onnxFile as string),
    async (c, bytes) => ({ backend: 'onnxruntime', top1: (await c.classify(bytes)).top1.label }),
    true,
  );
}

export function coldStartOnnx(job: ColdStartJob & { engine: 'onnx' }): Promise<ColdStartResult> {
  return firstResult(
    job,
    () => import('../onnx-classifier'),
    (m) => m.loadOnnxClassifier(job.modelDir, job.onnxFile as string, job.threads),
    async (c, bytes) => ({ backend: 'onnxruntime', top1: (await c.classify(bytes)).top1.label }),
    false,
  );
}

export function coldStartTfjs(job: ColdStartJob & { engine: 'tfjs' }): Promise<ColdStartResult> {
  return firstResult(
    job,
    () => import('../../../function/classifier/index'),
    (m) =>
      m.loadClassifier({
        modelDir: job.modelDir,
        backend: job.backend,
        decoder: job.decoder,
        warmUp: job.warmUp,
      }),
    async (c, bytes) => ({
      backend: c.backend,
      top1: (await c.classify(bytes, { topK: 1 })).predictions[0]?.label ?? '',
    }),
    true,
  );
}

/** Any engine's cold start, for the shared worker (its bundle holds every engine). */
export function runColdStart(job: ColdStartJob): Promise<ColdStartResult> {
  if (job.engine === 'peer') return coldStartPeer(job);
  if (job.engine === 'onnx') return coldStartOnnx(job);
  return coldStartTfjs(job);
}
