import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type Classifier, loadClassifier } from '../../../function/classifier';
import type { KernelTime } from '../kernel-profile';
import { median, percentile } from '../stats';

/**
 * The TensorFlow Lite importer side by side with the TF.js layers twin of the same weights (the shared
 * models' `tfjs/` folders are derived op-for-op from their `tflite/` file): both loaded in one process on
 * the same backend, fed the same image, measured in pairs whose order alternates (A B, B A, …) after
 * warm-up rounds, so machine load that comes and goes falls on both alike and neither always runs second.
 */
export interface TfliteVsTfjsJob {
  kind: 'tflite-vs-tfjs';
  /** A shared model folder with tfjs/ and tflite/. */
  modelDir: string;
  image: string;
  /** Timed pairs (one classification of each model per pair), after the warm-up pairs. */
  runs: number;
}

export interface TfliteVsTfjsResult {
  backend: string;
  loadMs: { tflite: number; tfjs: number };
  /** Median inference (classify's inferenceMs: forward pass and reading the scores) over the timed pairs. */
  inferenceMs: { tflite: number; tfjs: number };
  /** TFLite median inference over the twin's: below 1 is faster. */
  ratio: number;
  /** Median and quartiles of the per-pair ratios: each pair ran back to back, so load drift cancels. */
  pairRatio: { median: number; p25: number; p75: number };
  pairs: number;
  /** Per-kernel time of one forward pass (median over profiled runs), decode and preprocessing included. */
  kernels: { tflite: KernelTime[]; tfjs: KernelTime[] };
  top1: { tflite: string; tfjs: string };
}

const WARMUP_PAIRS = 5;
const PROFILED_PAIRS = 9;

async function timedLoad(modelDir: string): Promise<{ classifier: Classifier; ms: number }> {
  const start = performance.now();
  const classifier = await loadClassifier({ modelDir, backend: 'wasm' });
  return { classifier, ms: performance.now() - start };
}

type Side = 'tflite' | 'tfjs';

/** One classification's kernels by name: summed count and time. */
async function kernelsOf(classifier: Classifier, bytes: Uint8Array): Promise<Map<string, KernelTime>> {
  const info = await tf.profile(async () => {
    await classifier.classify(bytes, { topK: 1 });
  });
  const kernels = new Map<string, KernelTime>();
  for (const k of info.kernels) {
    if (k.name.endsWith('__op')) continue; // op-level wrappers around the kernels they run
    const entry = kernels.get(k.name) ?? { kernel: k.name, count: 0, ms: 0 };
    entry.count++;
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernels.set(k.name, entry);
  }
  return kernels;
}

function medianKernels(runs: Map<string, KernelTime>[]): KernelTime[] {
  const names = new Set(runs.flatMap((m) => [...m.keys()]));
  return [...names]
    .map((kernel) => ({
      kernel,
      count: runs[0]?.get(kernel)?.count ?? 0,
      ms: median(runs.map((m) => m.get(kernel)?.ms ?? 0)),
    }))
    .sort((a, b) => b.ms - a.ms);
}

export async function runTfliteVsTfjs(job: TfliteVsTfjsJob): Promise<TfliteVsTfjsResult> {
  const tfliteDir = path.join(job.modelDir, 'tflite');
  const tfliteFile = readdirSync(tfliteDir).find((f) => f.endsWith('.tflite'));
  if (!tfliteFile) throw new Error(`no .tflite in ${tfliteDir}`);
  const lite = await timedLoad(path.join(tfliteDir, tfliteFile));
  const twin = await timedLoad(path.join(job.modelDir, 'tfjs'));
  const models: Record<Side, Classifier> = { tflite: lite.classifier, tfjs: twin.classifier };
  const bytes = readFileSync(job.image);
  const samples: Record<Side, number[]> = { tflite: [], tfjs: [] };
  const pairRatios: number[] = [];
  const top1 = { tflite: '', tfjs: '' };
  for (let i = -WARMUP_PAIRS; i < job.runs; i++) {
    const order: Side[] = i % 2 === 0 ? ['tflite', 'tfjs'] : ['tfjs', 'tflite'];
    const pair: Partial<Record<Side, number>> = {};
    for (const side of order) {
      const result = await models[side].classify(bytes, { topK: 1 });
      top1[side] = result.predictions[0]?.label ?? '';
      pair[side] = result.timings.inferenceMs;
    }
    if (i < 0) continue;
    samples.tflite.push(pair.tflite as number);
    samples.tfjs.push(pair.tfjs as number);
    pairRatios.push((pair.tflite as number) / (pair.tfjs as number));
  }
  const profiles: Record<Side, Map<string, KernelTime>[]> = { tflite: [], tfjs: [] };
  for (let i = 0; i < PROFILED_PAIRS; i++) {
    for (const side of (i % 2 === 0 ? ['tflite', 'tfjs'] : ['tfjs', 'tflite']) as Side[]) {
      profiles[side].push(await kernelsOf(models[side], bytes));
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
    pairRatio: {
      median: median(pairRatios),
      p25: percentile(pairRatios, 0.25),
      p75: percentile(pairRatios, 0.75),
    },
    pairs: pairRatios.length,
    kernels: { tflite: medianKernels(profiles.tflite), tfjs: medianKernels(profiles.tfjs) },
    top1,
  };
}

/** The model folder has both a `.tflite` and its TF.js twin: the comparison applies. */
export const hasTfliteTwin = (modelDir: string): boolean =>
  existsSync(path.join(modelDir, 'tfjs', 'model.json')) &&
  existsSync(path.join(modelDir, 'tflite')) &&
  readdirSync(path.join(modelDir, 'tflite')).some((f) => f.endsWith('.tflite'));
