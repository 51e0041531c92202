import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../function/classifier/index';
import { stratifiedSplit } from './split';

export interface HeadOptions {
  seed: number;
  /** L2 penalty on the kernel (sum of squares times this); unset, the one of `L2_GRID` with the lowest validation loss. */
  l2?: number;
  /** Full-batch steps at most. */
  maxSteps?: number;
  /** Steps without a better validation loss before stopping. */
  patience?: number;
  /** Share of the training images held out for early stopping. */
  validationFraction?: number;
  learningRate?: number;
}

export interface TrainedDense {
  kernel: Float32Array;
  bias: Float32Array;
  /** Steps chosen on the validation split, then run again on all training images. */
  steps: number;
  /** The L2 penalty used: the one given, or the one chosen on the validation split. */
  l2: number;
  validationLoss: number;
}

export const HEAD_DEFAULTS = {
  maxSteps: 1000,
  patience: 50,
  validationFraction: 0.15,
  // 3e-3 and 1e-2 trained in 1-3 s but stopped after 6-25 steps on the digits benchmark and lost there.
  learningRate: 1e-3,
} as const;

/**
 * L2 penalties tried on the validation split when none is given, weakest first; the lowest validation
 * loss wins (ties to the weaker). Fixed and seeded, so the choice is the same for a seed.
 */
export const L2_GRID = [1e-4, 1e-3, 1e-2] as const;

/**
 * Training runs on WASM where it is registered (XNNPACK's matrix products are several times faster than
 * the pure-JavaScript CPU backend's: measured 350 vs 810 ms a step for 1,000 × 1,280) and on the CPU
 * backend otherwise. Both are deterministic for a seed.
 */
async function useTrainingBackend(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  try {
    await selectBackend('wasm');
  } catch {
    await tf.setBackend('cpu');
  }
}

/**
 * Centring per dimension and one scale for all: the mean over dimensions of their standard deviations.
 * Per-dimension scaling was tried first and did worse than the plain probe on both benchmark sets: it
 * blows up near-constant features (noise) to the weight of informative ones.
 */
export function standardiser(
  rows: readonly Float32Array[],
  size: number,
): { mean: Float32Array; scale: Float32Array } {
  const mean = new Float32Array(size);
  for (const row of rows)
    for (let j = 0; j < size; j++) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0) / rows.length;
  let spread = 0;
  for (let j = 0; j < size; j++) {
    let variance = 0;
    for (const row of rows) variance += ((row[j] ?? 0) - (mean[j] ?? 0)) ** 2 / rows.length;
    spread += Math.sqrt(variance) / size;
  }
  return { mean, scale: new Float32Array(size).fill(spread > 0 ? spread : 1) };
}

function matrix(rows: readonly Float32Array[], size: number): tf.Tensor2D {
  const flat = new Float32Array(rows.length * size);
  for (const [i, row] of rows.entries()) flat.set(row, i * size);
  return tf.tensor2d(flat, [rows.length, size]);
}

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  /** Class weight of each row. */
  w: tf.Tensor1D;
}

function batchOf(
  rows: readonly Float32Array[],
  targets: readonly number[],
  classes: number,
  weights: number[],
): Batch {
  return {
    x: matrix(rows, rows[0]?.length ?? 0),
    y: tf.oneHot(tf.tensor1d([...targets], 'int32'), classes) as tf.Tensor2D,
    w: tf.tensor1d(targets.map((t) => weights[t] ?? 1)),
  };
}

const disposeBatch = (b: Batch | undefined) => b && tf.dispose([b.x, b.y, b.w]);

/**
 * Softmax regression by full-batch Adam: L2 on the kernel, class weights against imbalance, a seeded
 * Glorot start. Runs `steps` steps, or with `validation` stops when its loss has not improved for
 * `patience` steps and reports the best step.
 */
function fitSoftmax(
  train: Batch,
  size: number,
  classes: number,
  o: Required<Omit<HeadOptions, 'validationFraction'>>,
  steps: number,
  validation?: Batch,
): { kernel: tf.Tensor2D; bias: tf.Tensor1D; bestStep: number; bestLoss: number; bestErrors: number } {
  const limit = Math.sqrt(6 / (size + classes));
  const kernel = tf.variable(
    tf.randomUniform([size, classes], -limit, limit, 'float32', o.seed),
  ) as tf.Variable<tf.Rank.R2>;
  const bias = tf.variable(tf.zeros([classes])) as tf.Variable<tf.Rank.R1>;
  const optimizer = tf.train.adam(o.learningRate);
  const loss = (b: Batch, penalty: boolean) =>
    tf.tidy(() => {
      const logits = tf.add(tf.matMul(b.x, kernel), bias);
      const ce = tf.losses.softmaxCrossEntropy(b.y, logits, b.w);
      return (penalty ? tf.add(ce, tf.mul(o.l2, tf.sum(tf.square(kernel)))) : ce) as tf.Scalar;
    });
  let best = {
    step: 0,
    loss: Number.POSITIVE_INFINITY,
    errors: Number.POSITIVE_INFINITY,
    kernel: tf.clone(kernel) as tf.Tensor2D,
    bias: tf.clone(bias) as tf.Tensor1D,
  };
  try {
    for (let step = 1; step <= steps; step++) {
      optimizer.minimize(() => loss(train, true));
      if (!validation) continue;
      const [value, errors] = tf.tidy(() => [
        loss(validation, false).dataSync()[0] ?? Number.POSITIVE_INFINITY,
        tf
          .sum(
            tf.notEqual(
              tf.argMax(tf.add(tf.matMul(validation.x, kernel), bias), 1),
              tf.argMax(validation.y, 1),
            ),
          )
          .dataSync()[0] ?? Number.POSITIVE_INFINITY,
      ]);
      // Fewer validation errors first (the loss alone stopped far too early on a small set, where it turns
      // up while the accuracy still climbs), then a loss better by 0.1% at least: on separable data the
      // loss creeps down forever in tiny steps.
      if (errors < best.errors || (errors === best.errors && value < best.loss * 0.999)) {
        tf.dispose([best.kernel, best.bias]);
        best = {
          step,
          loss: value,
          errors,
          kernel: tf.clone(kernel) as tf.Tensor2D,
          bias: tf.clone(bias) as tf.Tensor1D,
        };
      } else if (step - best.step >= o.patience) break;
    }
    if (!validation) {
      tf.dispose([best.kernel, best.bias]);
      best = {
        step: steps,
        loss: Number.NaN,
        errors: Number.NaN,
        kernel: tf.clone(kernel) as tf.Tensor2D,
        bias: tf.clone(bias) as tf.Tensor1D,
      };
    }
    return {
      kernel: best.kernel,
      bias: best.bias,
      bestStep: best.step,
      bestLoss: best.loss,
      bestErrors: best.errors,
    };
  } finally {
    tf.dispose([kernel, bias]);
    optimizer.dispose();
  }
}

/**
 * A softmax layer on standardised embeddings: L2 on the kernel, class weights against imbalance, early
 * stopping on a stratified validation split to choose the number of steps, then the same number of steps
 * again on all training images, so the held-out share is not lost to the final head. Seeded start on the
 * CPU backend, so the same seed gives the same weights.
 */
export async function trainDense(
  rows: readonly Float32Array[],
  targets: readonly number[],
  classes: number,
  options: HeadOptions,
  /** Per row, its mirrored image's embedding where augmenting: trained on with the row, never validated on. */
  mirrored: readonly (Float32Array | undefined)[] = [],
): Promise<TrainedDense> {
  await useTrainingBackend();
  const { validationFraction, l2: givenL2, ...rest } = { ...HEAD_DEFAULTS, ...options };
  const size = rows[0]?.length ?? 0;
  const counts = new Array<number>(classes).fill(0);
  for (const t of targets) counts[t] = (counts[t] ?? 0) + 1;
  // Weighted so every class counts as much as any other: n / (classes × count).
  const weights = counts.map((c) => (c > 0 ? targets.length / (classes * c) : 1));
  const withMirrors = (idx: number[]) => {
    const extra = idx.filter((i) => mirrored[i]);
    return {
      rows: [...idx.map((i) => rows[i] as Float32Array), ...extra.map((i) => mirrored[i] as Float32Array)],
      targets: [...idx, ...extra].map((i) => targets[i] as number),
    };
  };
  const split = stratifiedSplit(targets, validationFraction, rest.seed + 1);
  const grid = givenL2 === undefined ? [...L2_GRID] : [givenL2];
  let chosen = { l2: grid[0] ?? 0, steps: rest.maxSteps, loss: Number.NaN };
  if (split.test.length > 0) {
    const part = withMirrors(split.train);
    const train = batchOf(part.rows, part.targets, classes, weights);
    const validation = batchOf(
      split.test.map((i) => rows[i] as Float32Array),
      split.test.map((i) => targets[i] as number),
      classes,
      weights,
    );
    try {
      let best = { errors: Number.POSITIVE_INFINITY, loss: Number.POSITIVE_INFINITY };
      for (const l2 of grid) {
        const fit = fitSoftmax(train, size, classes, withL2(rest, l2), rest.maxSteps, validation);
        tf.dispose([fit.kernel, fit.bias]);
        if (fit.bestErrors < best.errors || (fit.bestErrors === best.errors && fit.bestLoss < best.loss)) {
          best = { errors: fit.bestErrors, loss: fit.bestLoss };
          chosen = { l2, steps: Math.max(1, fit.bestStep), loss: fit.bestLoss };
        }
      }
    } finally {
      disposeBatch(train);
      disposeBatch(validation);
    }
  }
  const everything = withMirrors(rows.map((_, i) => i));
  const all = batchOf(everything.rows, everything.targets, classes, weights);
  try {
    const final = fitSoftmax(all, size, classes, withL2(rest, chosen.l2), chosen.steps);
    const kernel = (await final.kernel.data()) as Float32Array;
    const bias = (await final.bias.data()) as Float32Array;
    tf.dispose([final.kernel, final.bias]);
    return { kernel, bias, steps: chosen.steps, l2: chosen.l2, validationLoss: chosen.loss };
  } finally {
    disposeBatch(all);
  }
}

/** The fit options with one L2 penalty. */
function withL2(
  rest: Required<Omit<HeadOptions, 'validationFraction' | 'l2'>>,
  l2: number | undefined,
): Required<Omit<HeadOptions, 'validationFraction'>> {
  return { ...rest, l2: l2 ?? L2_GRID[0] };
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
  await useTrainingBackend();
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
