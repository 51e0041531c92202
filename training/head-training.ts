import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom, shuffled } from './random';
import { stratifiedSplit } from './split';

export interface HeadOptions {
  seed: number;
  /** L2 penalty on the kernel. */
  l2?: number;
  maxEpochs?: number;
  /** Epochs without a better validation loss before stopping. */
  patience?: number;
  /** Share of the training images held out for early stopping. */
  validationFraction?: number;
  learningRate?: number;
  batchSize?: number;
}

export interface TrainedDense {
  kernel: Float32Array;
  bias: Float32Array;
  epochs: number;
  bestEpoch: number;
  validationLoss: number;
}

export const HEAD_DEFAULTS = {
  l2: 1e-3,
  maxEpochs: 150,
  patience: 12,
  validationFraction: 0.15,
  learningRate: 1e-3,
  batchSize: 32,
} as const;

/** Training runs on the CPU backend: tiny matrices, where WASM's advantage does not matter, and deterministic. */
async function useCpu(): Promise<void> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
}

/** Per-dimension mean and scale (standard deviation, floored so constant features stay finite). */
export function standardiser(
  rows: readonly Float32Array[],
  size: number,
): { mean: Float32Array; scale: Float32Array } {
  const mean = new Float32Array(size);
  const scale = new Float32Array(size);
  for (const row of rows)
    for (let j = 0; j < size; j++) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0) / rows.length;
  for (const row of rows)
    for (let j = 0; j < size; j++)
      scale[j] = (scale[j] ?? 0) + ((row[j] ?? 0) - (mean[j] ?? 0)) ** 2 / rows.length;
  for (let j = 0; j < size; j++) scale[j] = Math.sqrt(scale[j] ?? 0) + 1e-3;
  return { mean, scale };
}

function matrix(rows: readonly Float32Array[], size: number): tf.Tensor2D {
  const flat = new Float32Array(rows.length * size);
  for (const [i, row] of rows.entries()) flat.set(row, i * size);
  return tf.tensor2d(flat, [rows.length, size]);
}

/**
 * A softmax layer on standardised embeddings: L2 on the kernel, class weights against imbalance, early
 * stopping on a stratified validation split (the best epoch's weights are kept). Seeded initialiser and
 * shuffles on the CPU backend, so the same seed gives the same weights.
 */
export async function trainDense(
  rows: readonly Float32Array[],
  targets: readonly number[],
  classes: number,
  options: HeadOptions,
  /** Extra training-only rows (mirrored images) with their targets; never used for validation. */
  extra: { rows: readonly Float32Array[]; targets: readonly number[] } = { rows: [], targets: [] },
): Promise<TrainedDense> {
  await useCpu();
  const o = { ...HEAD_DEFAULTS, ...options };
  const size = rows[0]?.length ?? 0;
  const split = stratifiedSplit(targets, o.validationFraction, o.seed + 1);
  const random = seededRandom(o.seed);
  const trainRows = [...split.train.map((i) => rows[i] as Float32Array), ...extra.rows];
  const trainTargets = [...split.train.map((i) => targets[i] as number), ...extra.targets];
  const counts = new Array<number>(classes).fill(0);
  for (const t of trainTargets) counts[t] = (counts[t] ?? 0) + 1;
  const classWeight: Record<number, number> = {};
  counts.forEach((c, i) => {
    classWeight[i] = c > 0 ? trainTargets.length / (classes * c) : 1;
  });

  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [size],
        units: classes,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed }),
        kernelRegularizer: tfl.regularizers.l2({ l2: o.l2 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: 'categoricalCrossentropy' });
  const valX =
    split.test.length > 0
      ? matrix(
          split.test.map((i) => rows[i] as Float32Array),
          size,
        )
      : undefined;
  const valY =
    split.test.length > 0
      ? tf.oneHot(
          split.test.map((i) => targets[i] as number),
          classes,
        )
      : undefined;
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: [] as tf.Tensor[] };
  let epoch = 0;
  try {
    for (epoch = 1; epoch <= o.maxEpochs; epoch++) {
      const order = shuffled(
        trainRows.map((_, i) => i),
        random,
      );
      const x = matrix(
        order.map((i) => trainRows[i] as Float32Array),
        size,
      );
      const y = tf.oneHot(
        order.map((i) => trainTargets[i] as number),
        classes,
      );
      await model.fit(x, y, { epochs: 1, batchSize: o.batchSize, shuffle: false, classWeight, verbose: 0 });
      x.dispose();
      y.dispose();
      // Without a validation set (tiny labels) the training loss decides.
      const loss = tf.tidy(() => {
        const vx = valX ?? matrix(trainRows, size);
        const vy = valY ?? tf.oneHot(trainTargets as number[], classes);
        const losses = tfl.metrics.categoricalCrossentropy(vy, model.predict(vx) as tf.Tensor);
        return tf.mean(losses).dataSync()[0] ?? 0;
      });
      if (loss < best.loss - 1e-4) {
        for (const t of best.weights) t.dispose();
        best = { loss, epoch, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= o.patience) break;
    }
    const [kernel, bias] = best.weights;
    return {
      kernel: (await (kernel as tf.Tensor).data()) as Float32Array,
      bias: (await (bias as tf.Tensor).data()) as Float32Array,
      epochs: Math.min(epoch, o.maxEpochs),
      bestEpoch: best.epoch,
      validationLoss: best.loss,
    };
  } finally {
    for (const t of best.weights) t.dispose();
    valX?.dispose();
    valY?.dispose();
    model.dispose();
  }
}

/**
 * The baseline the trained head must beat: plain multinomial logistic regression on the raw embeddings,
 * nothing tuned (no standardisation, no regularisation, no class weights, no early stopping; full-batch
 * Adam at its default rate for a fixed 200 epochs).
 */
export async function trainLinearProbe(
  rows: readonly Float32Array[],
  targets: readonly number[],
  classes: number,
  seed: number,
): Promise<(row: Float32Array) => Float32Array> {
  await useCpu();
  const size = rows[0]?.length ?? 0;
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [size],
        units: classes,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(), loss: 'categoricalCrossentropy' });
  const x = matrix(rows, size);
  const y = tf.oneHot(targets as number[], classes);
  await model.fit(x, y, { epochs: 200, batchSize: rows.length, shuffle: false, verbose: 0 });
  x.dispose();
  y.dispose();
  return (row) =>
    tf.tidy(() => (model.predict(tf.tensor2d(row, [1, size])) as tf.Tensor).dataSync() as Float32Array);
}

/** Standardised, L2-normalised copies of the rows: what the neighbour exemplars are stored as. */
export function exemplarRows(
  rows: readonly Float32Array[],
  mean: Float32Array,
  scale: Float32Array,
): Float32Array[] {
  return rows.map((row) => {
    const z = row.map((v, j) => (v - (mean[j] ?? 0)) / (scale[j] ?? 1));
    const norm = Math.hypot(...z) || 1;
    return z.map((v) => v / norm);
  });
}
