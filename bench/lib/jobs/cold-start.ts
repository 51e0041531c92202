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

export async function coldStartPeer(job: ColdStartJob): Promise<ColdStartResult> {
  const entryMs = performance.now();
  const { loadPeerClassifier } = await import('../peer-classifier');
  const importedMs = performance.now();
  const classifier = await loadPeerClassifier(job.modelDir, job.onnxFile as string);
  const loadedMs = performance.now();
  const result = await classifier.classify(readFileSync(job.image));
  return {
    backend: 'onnxruntime',
    entryMs,
    importedMs,
    loadedMs,
    firstResultMs: performance.now(),
    top1: result.top1.label,
    loaded: loadedPackages(),
  };
}

export async function coldStartOnnx(job: ColdStartJob & { engine: 'onnx' }): Promise<ColdStartResult> {
  const entryMs = performance.now();
  const { loadOnnxClassifier } = await import('../onnx-classifier');
  const importedMs = performance.now();
  const classifier = await loadOnnxClassifier(job.modelDir, job.onnxFile as string, job.threads);
  const loadedMs = performance.now();
  const result = await classifier.classify(readFileSync(job.image));
  return {
    backend: 'onnxruntime',
    entryMs,
    importedMs,
    loadedMs,
    firstResultMs: performance.now(),
    top1: result.top1.label,
  };
}

export async function coldStartTfjs(job: ColdStartJob & { engine: 'tfjs' }): Promise<ColdStartResult> {
  const entryMs = performance.now();
  const { loadClassifier } = await import('../../../function/classifier/index');
  const importedMs = performance.now();
  const classifier = await loadClassifier({
    modelDir: job.modelDir,
    backend: job.backend,
    decoder: job.decoder,
  });
  const loadedMs = performance.now();
  const result = await classifier.classify(readFileSync(job.image), { topK: 1 });
  return {
    backend: classifier.backend,
    entryMs,
    importedMs,
    loadedMs,
    firstResultMs: performance.now(),
    top1: result.predictions[0]?.label ?? '',
    loaded: loadedPackages(),
  };
}

/** Any engine's cold start, for the shared worker (its bundle holds every engine). */
export function runColdStart(job: ColdStartJob): Promise<ColdStartResult> {
  if (job.engine === 'peer') return coldStartPeer(job);
  if (job.engine === 'onnx') return coldStartOnnx(job);
  return coldStartTfjs(job);
}
