import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import {
  fileSystemHandler,
  locateModel,
  selectBackend,
  useSingleKernelRelu6,
} from '../../../function/classifier';
import { fuseLayersModel } from '../fused-mobilenet';
import { profileKernels } from '../kernel-profile';
import { createOnnxPeer, type OnnxPeer, onnxOpTimes } from '../onnx-peer';
import { median } from '../stats';
import type { ProfileJob, ProfileResult } from './job-types';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return max;
}

/** Scores of one synchronous forward pass, tensors freed. */
function scoresOf(predict: () => tf.Tensor): Float32Array {
  return tf.tidy(() => predict().dataSync() as Float32Array);
}

/**
 * Times several variants in interleaved rounds, each round starting one variant later (A B C, B C A, …),
 * and returns each one's median: on a shared machine, load that comes and goes then hits every variant
 * alike, and no variant always runs right after the same neighbour.
 */
async function timeInterleaved<K extends string>(
  rounds: number,
  variants: Record<K, () => Promise<unknown> | unknown>,
): Promise<Record<K, number>> {
  const names = Object.keys(variants) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (const name of names) await variants[name](); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (const name of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
      const t = performance.now();
      await variants[name]();
      samples[name].push(performance.now() - t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])])) as Record<K, number>;
}

/**
 * Where the wasm path spends its inference time, kernel by kernel, next to onnxruntime on the ONNX twin
 * of the same weights, fed the same input; plus the levers: relu6 as one kernel, fused kernels, batching,
 * threads. Every variant is built first, then all are timed in the same interleaved rounds.
 */
export async function runProfile(job: ProfileJob): Promise<ProfileResult> {
  await selectBackend('wasm');
  const located = await locateModel(job.modelDir);
  if (located.format !== 'layers-model')
    throw new Error(`profiling needs a layers model, got ${located.format}`);
  const model = (await loadLayersModel(fileSystemHandler(located.path))) as LayersModel;
  const shape = model.inputs[0]?.shape ?? [null, 224, 224, 3];
  const [h, w] = [shape[1] ?? 224, shape[2] ?? 224];
  // Fixed pseudo-random pixels in [-1, 1]: zeros would let some kernels take shortcuts.
  const input = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 42) as tf.Tensor4D;
  const batch = tf.tile(input, [4, 1, 1, 1]) as tf.Tensor4D;
  const predict = () => model.predict(input) as tf.Tensor;
  const profiledRuns = Math.max(3, Math.floor(job.runs / 2));

  for (let i = 0; i < 3; i++) scoresOf(predict);
  const timings: Array<{ kernelMs: number; wallMs: number }> = [];
  for (let i = 0; i < profiledRuns; i++) {
    const t = await tf.time(() => scoresOf(predict));
    timings.push({ kernelMs: t.kernelMs as number, wallMs: t.wallMs });
  }
  const kernels = await profileKernels(predict, profiledRuns);
  const reference = scoresOf(predict);

  let fusedPredict: (() => tf.Tensor) | undefined;
  let fusedError: string | undefined;
  try {
    const fusedModel = fuseLayersModel(model);
    fusedPredict = () => fusedModel.predict(input);
    scoresOf(fusedPredict);
  } catch (error) {
    fusedPredict = undefined;
    fusedError = error instanceof Error ? error.message : String(error);
  }
  // The model loaded above keeps its own relu6; models built from here on use the single kernel.
  useSingleKernelRelu6();
  const relu6Model = (await loadLayersModel(fileSystemHandler(located.path))) as LayersModel;
  const relu6Predict = () => relu6Model.predict(input) as tf.Tensor;

  let one: OnnxPeer | undefined;
  let two: OnnxPeer | undefined;
  const pixels = input.dataSync() as Float32Array;
  const pixels4 = batch.dataSync() as Float32Array;
  if (job.onnxFile) {
    one = await createOnnxPeer(job.onnxFile, { threads: 1 });
    two = await createOnnxPeer(job.onnxFile, { threads: 2 });
  }

  const single = await timeInterleaved(job.runs, {
    layers: () => scoresOf(predict),
    relu6: () => scoresOf(relu6Predict),
    ...(fusedPredict ? { fused: () => scoresOf(fusedPredict) } : {}),
    ...(one && two ? { onnx1: () => one.run(pixels), onnx2: () => two.run(pixels) } : {}),
  } as Record<'layers' | 'relu6' | 'fused' | 'onnx1' | 'onnx2', () => unknown>);
  const batched = await timeInterleaved(Math.max(3, Math.floor(job.runs / 4)), {
    layers: () => scoresOf(() => model.predict(batch) as tf.Tensor),
    ...(one ? { onnx1: () => one.run(pixels4, 4) } : {}),
  } as Record<'layers' | 'onnx1', () => unknown>);

  const result: ProfileResult = {
    wasm: {
      predictMs: single.layers,
      time: {
        kernelMs: median(timings.map((t) => t.kernelMs)),
        wallMs: median(timings.map((t) => t.wallMs)),
      },
      kernels,
      fused: fusedPredict
        ? {
            predictMs: single.fused,
            kernels: await profileKernels(fusedPredict, profiledRuns),
            maxAbsDiff: maxAbsDiff(reference, scoresOf(fusedPredict)),
          }
        : { error: fusedError ?? 'not run' },
      relu6Kernel: { predictMs: single.relu6, maxAbsDiff: maxAbsDiff(reference, scoresOf(relu6Predict)) },
      batch4PerImageMs: batched.layers / 4,
    },
  };

  if (job.onnxFile && one && two) {
    // Profiled separately: onnxruntime's profiler slows the runs it records.
    const profiled = await createOnnxPeer(job.onnxFile, {
      threads: 1,
      profilePrefix: path.join(job.tmpDir, `ort-profile-${process.pid}`),
    });
    for (let i = 0; i < 3 + profiledRuns; i++) await profiled.run(pixels);
    const diff = maxAbsDiff(reference, await one.run(pixels));
    await one.release();
    await two.release();
    const profileFile = await profiled.release();
    const ops = profileFile ? onnxOpTimes(profileFile, profiledRuns) : { ops: [], runMs: Number.NaN };
    result.onnx = {
      threads1Ms: single.onnx1,
      threads2Ms: single.onnx2,
      batch4PerImageMs: batched.onnx1 / 4,
      ops: ops.ops,
      profiledRunMs: ops.runMs,
      maxAbsDiff: diff,
    };
  }
  tf.dispose([input, batch]);
  model.dispose();
  relu6Model.dispose();
  return result;
}
