import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../function/classifier/backend';
import { fileSystemHandler, locateModel } from '../../../function/classifier/model-files';
import { fuseLayersModel, registerSingleKernelRelu6 } from '../fused-mobilenet';
import { profileKernels } from '../kernel-profile';
import { createOnnxPeer, onnxOpTimes } from '../onnx-peer';
import { median } from '../stats';
import type { ProfileJob, ProfileResult } from './job-types';

async function timeRuns(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Scores of one synchronous forward pass, tensors freed. */
function scoresOf(predict: () => tf.Tensor): Float32Array {
  return tf.tidy(() => predict().dataSync() as Float32Array);
}

/**
 * Where the wasm path spends its inference time, kernel by kernel, next to onnxruntime on the ONNX twin
 * of the same weights, fed the same input; plus the levers: fused kernels, batching, threads.
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
  const predict = () => model.predict(input) as tf.Tensor;
  const runs = job.runs;

  for (let i = 0; i < 3; i++) scoresOf(predict);
  const predictMs = await timeRuns(runs, () => scoresOf(predict));
  const timings: Array<{ kernelMs: number; wallMs: number }> = [];
  for (let i = 0; i < Math.max(3, Math.floor(runs / 2)); i++) {
    const t = await tf.time(() => scoresOf(predict));
    timings.push({ kernelMs: t.kernelMs as number, wallMs: t.wallMs });
  }
  const kernels = await profileKernels(predict, Math.max(3, Math.floor(runs / 2)));
  const reference = scoresOf(predict);

  let fused: NonNullable<ProfileResult['wasm']['fused']>;
  try {
    const fusedModel = fuseLayersModel(model);
    const fusedPredict = () => fusedModel.predict(input);
    for (let i = 0; i < 3; i++) scoresOf(fusedPredict);
    fused = {
      predictMs: await timeRuns(runs, () => scoresOf(fusedPredict)),
      kernels: await profileKernels(fusedPredict, Math.max(3, Math.floor(runs / 2))),
      maxAbsDiff: maxAbsDiff(reference, scoresOf(fusedPredict)),
    };
  } catch (error) {
    fused = { error: error instanceof Error ? error.message : String(error) };
  }

  const batch = tf.tile(input, [4, 1, 1, 1]);
  const batchRuns = Math.max(3, Math.floor(runs / 4));
  scoresOf(() => model.predict(batch) as tf.Tensor);
  const batch4PerImageMs =
    (await timeRuns(batchRuns, () => scoresOf(() => model.predict(batch) as tf.Tensor))) / 4;

  // Last, because it changes how every layers model built afterwards in this process applies relu6.
  registerSingleKernelRelu6();
  const relu6Model = (await loadLayersModel(fileSystemHandler(located.path))) as LayersModel;
  const relu6Predict = () => relu6Model.predict(input) as tf.Tensor;
  for (let i = 0; i < 3; i++) scoresOf(relu6Predict);
  const relu6Kernel = {
    predictMs: await timeRuns(runs, () => scoresOf(relu6Predict)),
    maxAbsDiff: maxAbsDiff(reference, scoresOf(relu6Predict)),
  };
  relu6Model.dispose();

  const result: ProfileResult = {
    wasm: {
      predictMs,
      time: {
        kernelMs: median(timings.map((t) => t.kernelMs)),
        wallMs: median(timings.map((t) => t.wallMs)),
      },
      kernels,
      fused,
      relu6Kernel,
      batch4PerImageMs,
    },
  };

  if (job.onnxFile) {
    const pixels = input.dataSync() as Float32Array;
    const pixels4 = batch.dataSync() as Float32Array;
    const one = await createOnnxPeer(job.onnxFile, { threads: 1 });
    const two = await createOnnxPeer(job.onnxFile, { threads: 2 });
    const profiled = await createOnnxPeer(job.onnxFile, {
      threads: 1,
      profilePrefix: path.join(job.tmpDir, `ort-profile-${process.pid}`),
    });
    for (const peer of [one, two, profiled]) for (let i = 0; i < 3; i++) await peer.run(pixels);
    const threads1Ms = await timeRuns(runs, () => one.run(pixels));
    const threads2Ms = await timeRuns(runs, () => two.run(pixels));
    await one.run(pixels4, 4);
    const onnxBatch4PerImageMs = (await timeRuns(batchRuns, () => one.run(pixels4, 4))) / 4;
    const profileRuns = Math.max(3, Math.floor(runs / 2));
    for (let i = 0; i < profileRuns; i++) await profiled.run(pixels);
    const diff = maxAbsDiff(reference, await one.run(pixels));
    await one.release();
    await two.release();
    const profileFile = await profiled.release();
    const ops = profileFile ? onnxOpTimes(profileFile, profileRuns) : { ops: [], runMs: Number.NaN };
    result.onnx = {
      threads1Ms,
      threads2Ms,
      batch4PerImageMs: onnxBatch4PerImageMs,
      ops: ops.ops,
      profiledRunMs: ops.runMs,
      maxAbsDiff: diff,
    };
  }
  tf.dispose([input, batch]);
  model.dispose();
  return result;
}
