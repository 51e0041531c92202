import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Classifier, loadClassifier } from '../../../function/classifier';
import { median } from '../stats';

/**
 * The TensorFlow Lite importer side by side with the TF.js layers twin of the same weights (the shared
 * models' `tfjs/` folders are derived op-for-op from their `tflite/` file): both loaded in one process on
 * the same backend, measured alternately on the same image so machine noise falls on both alike.
 */
export interface TfliteVsTfjsJob {
  kind: 'tflite-vs-tfjs';
  /** A shared model folder with tfjs/ and tflite/. */
  modelDir: string;
  image: string;
  runs: number;
}

export interface TfliteVsTfjsResult {
  backend: string;
  loadMs: { tflite: number; tfjs: number };
  inferenceMs: { tflite: number; tfjs: number };
  /** TFLite median inference over the twin's: below 1 is faster. */
  ratio: number;
  top1: { tflite: string; tfjs: string };
}

async function timedLoad(modelDir: string): Promise<{ classifier: Classifier; ms: number }> {
  const start = performance.now();
  const classifier = await loadClassifier({ modelDir, backend: 'wasm' });
  return { classifier, ms: performance.now() - start };
}

export async function runTfliteVsTfjs(job: TfliteVsTfjsJob): Promise<TfliteVsTfjsResult> {
  const tfliteDir = path.join(job.modelDir, 'tflite');
  const tfliteFile = readdirSync(tfliteDir).find((f) => f.endsWith('.tflite'));
  if (!tfliteFile) throw new Error(`no .tflite in ${tfliteDir}`);
  const lite = await timedLoad(path.join(tfliteDir, tfliteFile));
  const twin = await timedLoad(path.join(job.modelDir, 'tfjs'));
  const bytes = readFileSync(job.image);
  const samples = { tflite: [] as number[], tfjs: [] as number[] };
  const top1 = { tflite: '', tfjs: '' };
  for (let i = -3; i < job.runs; i++) {
    for (const [name, { classifier }] of [
      ['tflite', lite],
      ['tfjs', twin],
    ] as const) {
      const result = await classifier.classify(bytes, { topK: 1 });
      top1[name] = result.predictions[0]?.label ?? '';
      if (i >= 0) samples[name].push(result.timings.inferenceMs);
    }
  }
  lite.classifier.dispose();
  twin.classifier.dispose();
  const inferenceMs = { tflite: median(samples.tflite), tfjs: median(samples.tfjs) };
  return {
    backend: lite.classifier.backend,
    loadMs: { tflite: lite.ms, tfjs: twin.ms },
    inferenceMs,
    ratio: inferenceMs.tflite / inferenceMs.tfjs,
    top1,
  };
}

/** The model folder has both a `.tflite` and its TF.js twin: the comparison applies. */
export const hasTfliteTwin = (modelDir: string): boolean =>
  existsSync(path.join(modelDir, 'tfjs', 'model.json')) &&
  existsSync(path.join(modelDir, 'tflite')) &&
  readdirSync(path.join(modelDir, 'tflite')).some((f) => f.endsWith('.tflite'));
