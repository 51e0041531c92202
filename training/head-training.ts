import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../function/classifier/index';
import { type LbfgsResult, lbfgs, type Objective } from './lbfgs';
import { computeMetrics, type ScoredSample } from './metrics';
import { seededRandom, shuffled } from './random';

export interface HeadOptions {
  seed: number;
  /**
   * Inverse L2 strength C, as scikit-learn defines it for logistic regression (the penalty is
   * ||kernel||² / (2·C·n) next to the mean cross-entropy, on standardised embeddings); unset, the one of
   * `C_GRID` with the best cross-validated macro-F1, or `FALLBACK_C` where a label has one image only.
   */
  c?: number;
  /** Stratified folds for choosing C. */
  folds?: number;
  /** Grid values without a better choice (macro-F1, then log-loss) before the walk along the grid stops. */
  patience?: number;
  /** L-BFGS iterations at most for one fit. */
  maxIterations?: number;
  /** Weight classes inversely to their counts (default); false weighs every row alike. */
  balanced?: boolean;
}

export interface TrainedDense {
  kernel: Float32Array;
  bias: Float32Array;
  /** The C used: the one given, the one chosen by cross-validation, or `FALLBACK_C`. */
  c: number;
  /** Cross-validated macro-F1 of each C tried, weakest regularisation last; empty when C was given. */
  path: { c: number; macroF1: number; logLoss: number }[];
  /** L-BFGS iterations of the final fit on all training images. */
  iterations: number;
}

export const HEAD_DEFAULTS = {
  folds: 3,
  patience: 2,
  maxIterations: 300,
  balanced: true,
} as const;

/**
 * C values tried, strongest regularisation first; each fit starts from the previous one's weights (a
 * regularisation path), and the walk stops early when `patience` values in a row bring no better
 * cross-validated macro-F1 (nor an equal one with a lower validation log-loss) — early stopping on
 * validation, along the path rather than along steps.
 * Standardised embeddings have about unit spread per dimension, so C = 1 here is weaker than
 * scikit-learn's default C = 1 on raw MobileNet embeddings (whose spread is 0.2–0.5).
 */
/**
 * C without cross-validation (a label with one training image, which `--min-images 1` allows): the middle
 * of the values the cross-validation chose on the benchmark sets (0.003–0.3).
 */
export const FALLBACK_C = 0.03;

export const C_GRID = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] as const;

/**
 * Training runs on WASM where it is registered (XNNPACK's matrix products are several times faster than
 * the pure-JavaScript CPU backend's) and on the CPU backend otherwise. Both are deterministic.
 */
async function useTrainingBackend(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  try {
    await selectBackend('wasm');
  } catch {
    await selectBackend('cpu');
  }
}

/**
 * Centring per dimension and one scale for all: the mean over dimensions of their standard deviations.
 * Per-dimension scaling was tried first and did worse than the plain probe on both benchmark sets: it
 * blows up near-constant features (noise) to the weight of informative ones. With the bias unpenalised,
 * centring does not change the optimum; it and the scale make the L-BFGS problem better conditioned and
 * the C grid comparable across base models.
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

/** One weighted softmax-regression problem: the rows, their transpose (for the gradient), targets, weights. */
interface Problem {
  x: tf.Tensor2D;
  xT: tf.Tensor2D;
  y: tf.Tensor2D;
  /** Per row, its class weight divided by the sum of all: the loss is a weighted mean. */
  w: tf.Tensor2D;
  rows: number;
  size: number;
  classes: number;
}

function problemOf(
  rows: readonly Float32Array[],
  targets: readonly number[],
  classes: number,
  classWeights: readonly number[],
): Problem {
  const size = rows[0]?.length ?? 0;
  const raw = targets.map((t) => classWeights[t] ?? 1);
  const total = raw.reduce((a, b) => a + b, 0) || 1;
  const x = matrix(rows, size);
  return {
    x,
    xT: tf.transpose(x) as tf.Tensor2D,
    y: tf.tidy(() =>
      tf.cast(tf.oneHot(tf.tensor1d([...targets], 'int32'), classes), 'float32'),
    ) as tf.Tensor2D,
    w: tf.tensor2d(
      raw.map((v) => v / total),
      [raw.length, 1],
    ),
    rows: rows.length,
    size,
    classes,
  };
}

const disposeProblem = (p: Problem) => tf.dispose([p.x, p.xT, p.y, p.w]);

/** L2 strength on the kernel for a C and a number of training rows (scikit-learn's scaling). */
const penaltyOf = (c: number, rows: number) => 1 / (2 * c * rows);

/**
 * Weighted mean cross-entropy of a softmax layer plus `penalty`·||kernel||², and its gradient; the
 * parameters are the kernel [size × classes] then the bias, as one vector. Matrix products run in
 * TensorFlow.js, the rest in float64 here.
 */
function softmaxObjective(p: Problem, penalty: number): Objective {
  const kernelLength = p.size * p.classes;
  return (theta) => {
    const [loss, gKernel, gBias] = tf.tidy(() => {
      const kernel = tf.tensor2d(Float32Array.from(theta.subarray(0, kernelLength)), [p.size, p.classes]);
      const bias = tf.tensor1d(Float32Array.from(theta.subarray(kernelLength)));
      const logProbabilities = tf.logSoftmax(tf.add(tf.matMul(p.x, kernel), bias));
      const crossEntropy = tf.neg(tf.sum(tf.mul(p.w, tf.mul(p.y, logProbabilities))));
      const residual = tf.mul(tf.sub(tf.exp(logProbabilities), p.y), p.w);
      return [crossEntropy, tf.matMul(p.xT, residual), tf.sum(residual, 0)];
    });
    const gradient = new Float64Array(theta.length);
    let value = (loss.dataSync()[0] as number) ?? Number.NaN;
    const gk = gKernel.dataSync();
    for (let j = 0; j < kernelLength; j++) {
      const v = theta[j] as number;
      value += penalty * v * v;
      gradient[j] = (gk[j] as number) + 2 * penalty * v;
    }
    gradient.set(gBias.dataSync(), kernelLength);
    tf.dispose([loss, gKernel, gBias]);
    return { value, gradient };
  };
}

function fitLayer(p: Problem, c: number, start: Float64Array, maxIterations: number): LbfgsResult {
  return lbfgs(softmaxObjective(p, penaltyOf(c, p.rows)), start, { maxIterations });
}

/** Per row of `x`, the class scores of the layer `theta`. */
function logitsOf(x: tf.Tensor2D, theta: Float64Array, size: number, classes: number): Float32Array[] {
  const flat = tf.tidy(() =>
    tf
      .add(
        tf.matMul(x, tf.tensor2d(Float32Array.from(theta.subarray(0, size * classes)), [size, classes])),
        tf.tensor1d(Float32Array.from(theta.subarray(size * classes))),
      )
      .dataSync(),
  ) as Float32Array;
  return Array.from({ length: x.shape[0] }, (_, i) => flat.slice(i * classes, (i + 1) * classes));
}

/** Seeded stratified folds: per label, a shuffle dealt round the folds. */
export function stratifiedFolds(targets: readonly number[], folds: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const out: number[][] = Array.from({ length: folds }, () => []);
  const byLabel = new Map<number, number[]>();
  targets.forEach((t, i) => {
    byLabel.set(t, [...(byLabel.get(t) ?? []), i]);
  });
  let next = 0;
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    for (const i of shuffled(byLabel.get(label) ?? [], random)) {
      out[next % folds]?.push(i);
      next++;
    }
  }
  return out.map((f) => f.sort((a, b) => a - b));
}

/**
 * A softmax layer on standardised embeddings, fitted to convergence (L-BFGS) with an L2 penalty and
 * class weights against imbalance. C is chosen by stratified k-fold cross-validation on macro-F1 (ties to
 * the lower validation log-loss) along a regularisation path with early stopping, then the layer is fitted
 * again on all training images with that C. Mirrored embeddings, where given, are trained on with their
 * rows but never validated on. Deterministic for a seed (the folds are its only randomness).
 */
export async function trainDense(
  rows: readonly Float32Array[],
  targets: readonly number[],
  classes: number,
  options: HeadOptions,
  /** Per row, its mirrored image's embedding where augmenting. */
  mirrored: readonly (Float32Array | undefined)[] = [],
): Promise<TrainedDense> {
  await useTrainingBackend();
  const o = { ...HEAD_DEFAULTS, ...options };
  const size = rows[0]?.length ?? 0;
  const parameters = size * classes + classes;
  const counts = new Array<number>(classes).fill(0);
  for (const t of targets) counts[t] = (counts[t] ?? 0) + 1;
  // Weighted so every class counts as much as any other: n / (classes × count).
  const weights = counts.map((c) => (c > 0 && o.balanced ? targets.length / (classes * c) : 1));
  const withMirrors = (idx: readonly number[]) => {
    const extra = idx.filter((i) => mirrored[i]);
    return problemOf(
      [...idx.map((i) => rows[i] as Float32Array), ...extra.map((i) => mirrored[i] as Float32Array)],
      [...idx, ...extra].map((i) => targets[i] as number),
      classes,
      weights,
    );
  };

  let chosen = o.c ?? FALLBACK_C;
  const path: TrainedDense['path'] = [];
  // Each fold's training side needs every class: stratified folds leave one behind for a class of two
  // images or more, so only a class of one image rules cross-validation out (then FALLBACK_C is used).
  const folds = counts.some((c) => c === 1) ? 1 : o.folds;
  if (o.c === undefined && folds >= 2) {
    const parts = stratifiedFolds(targets, folds, o.seed + 1);
    const setups = parts.map((validation) => {
      const held = new Set(validation);
      return {
        validation,
        train: withMirrors(targets.flatMap((_, i) => (held.has(i) ? [] : [i]))),
        x: matrix(
          validation.map((i) => rows[i] as Float32Array),
          size,
        ),
        theta: new Float64Array(parameters) as Float64Array<ArrayBufferLike>,
      };
    });
    try {
      let best = { macroF1: Number.NEGATIVE_INFINITY, logLoss: Number.POSITIVE_INFINITY };
      // The last grid value that became the choice (a better macro-F1, or an equal one with a lower
      // validation log-loss): patience counts from it. Ties must keep the walk going: on separable data
      // every C scores macro-F1 1, and stopping at the first ties kept the strongest penalties, whose
      // probabilities stay near uniform (a confident answer fell below Rekognition's default floor of 55).
      let improvedAt = 0;
      for (const [at, c] of C_GRID.entries()) {
        const samples: ScoredSample[] = [];
        let logLoss = 0;
        for (const setup of setups) {
          setup.theta = fitLayer(setup.train, c, setup.theta, o.maxIterations).x;
          const logits = logitsOf(setup.x, setup.theta, size, classes);
          for (const [k, i] of setup.validation.entries()) {
            const scores = logits[k] as Float32Array;
            const truth = targets[i] as number;
            const top = Math.max(...scores);
            const sum = scores.reduce((s, v) => s + Math.exp(v - top), 0);
            logLoss += (top + Math.log(sum) - (scores[truth] as number)) / targets.length;
            samples.push({ id: String(i), truth, scores });
          }
        }
        const macroF1 = computeMetrics(
          Array.from({ length: classes }, (_, i) => String(i)),
          samples,
          0,
        ).macroF1;
        path.push({ c, macroF1, logLoss });
        const better = macroF1 > best.macroF1 + 1e-12;
        if (better || (macroF1 >= best.macroF1 - 1e-12 && logLoss < best.logLoss)) {
          best = { macroF1, logLoss };
          chosen = c;
        }
        if (chosen === c) improvedAt = at;
        else if (at - improvedAt >= o.patience) break;
      }
    } finally {
      for (const setup of setups) {
        disposeProblem(setup.train);
        setup.x.dispose();
      }
    }
  }
  const all = withMirrors(rows.map((_, i) => i));
  try {
    const final = fitLayer(all, chosen, new Float64Array(parameters), o.maxIterations);
    return {
      kernel: Float32Array.from(final.x.subarray(0, size * classes)),
      bias: Float32Array.from(final.x.subarray(size * classes)),
      c: chosen,
      path,
      iterations: final.iterations,
    };
  } finally {
    disposeProblem(all);
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
