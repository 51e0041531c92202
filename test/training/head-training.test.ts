import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { C_GRID, FALLBACK_C, stratifiedFolds, trainDense } from '../../training/head-training';
import { lbfgs } from '../../training/lbfgs';
import { seededRandom } from '../../training/random';

/** Gaussian blobs: `perClass[c]` rows around a random centre per class, `spread` noise per dimension. */
function blobs(perClass: number[], size: number, spread: number, seed: number) {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const centres = perClass.map(() => Float32Array.from({ length: size }, normal));
  const rows: Float32Array[] = [];
  const targets: number[] = [];
  perClass.forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      rows.push((centres[c] as Float32Array).map((v) => v + spread * normal()));
      targets.push(c);
    }
  });
  return { rows, targets };
}

function predict(rows: Float32Array[], kernel: Float32Array, bias: Float32Array, classes: number) {
  return rows.map((row) => {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) {
      let s = bias[c] as number;
      for (let j = 0; j < row.length; j++) s += (row[j] as number) * (kernel[j * classes + c] as number);
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    return best;
  });
}

describe('L-BFGS', () => {
  it('finds the minimum of an ill-conditioned quadratic (condition number 10⁴) to the gradient tolerance, in about as many iterations as scipy’s L-BFGS-B', () => {
    const scales = Float64Array.from({ length: 50 }, (_, i) => 10 ** ((4 * i) / 49));
    const target = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const result = lbfgs(
      (x) => {
        let value = 0;
        const gradient = new Float64Array(x.length);
        x.forEach((v, i) => {
          const d = v - (target[i] as number);
          value += ((scales[i] as number) * d * d) / 2;
          gradient[i] = (scales[i] as number) * d;
        });
        return { value, gradient };
      },
      new Float64Array(50),
      { gradientTolerance: 1e-5, relativeTolerance: 0, maxIterations: 3000 },
    );
    expect(result.stop).to.equal('gradient');
    expect(result.iterations).to.be.below(1000);
    // A gradient of at most 1e-5 leaves at most 1e-5 / scale (scale ≥ 1) from the minimum.
    for (const [i, v] of result.x.entries()) expect(v).to.be.closeTo(target[i] as number, 1e-5);
  });

  it('follows the Rosenbrock valley to (1, 1), which steepest descent does not reach in 500 steps', () => {
    const result = lbfgs(
      ([a = 0, b = 0]) => ({
        value: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
        gradient: Float64Array.of(-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)),
      }),
      Float64Array.of(-1.2, 1),
      { gradientTolerance: 1e-9, relativeTolerance: 0, maxIterations: 500 },
    );
    expect(result.x[0]).to.be.closeTo(1, 1e-5);
    expect(result.x[1]).to.be.closeTo(1, 1e-5);
  });
});

describe('stratified folds', () => {
  it('deals every label round the folds, each index once, the same for a seed', () => {
    const targets = [...Array(9).fill(0), ...Array(4).fill(1)];
    const folds = stratifiedFolds(targets, 3, 5);
    expect(folds).to.deep.equal(stratifiedFolds(targets, 3, 5));
    expect(folds.flat().sort((a, b) => a - b)).to.deep.equal(targets.map((_, i) => i));
    for (const fold of folds) {
      expect(fold.filter((i) => targets[i] === 0)).to.have.length(3);
      expect(fold.filter((i) => targets[i] === 1).length).to.be.within(1, 2);
    }
  });
});

describe('softmax head (trainDense)', function () {
  this.timeout(120_000);

  it('chooses C by cross-validation along the path, stops early, and gives the same weights for a seed', async () => {
    const { rows, targets } = blobs([30, 30, 30], 16, 1.5, 3);
    const a = await trainDense(rows, targets, 3, { seed: 7 });
    const tensors = tf.memory().numTensors;
    const b = await trainDense(rows, targets, 3, { seed: 7 });
    expect(tf.memory().numTensors, 'tensors left behind by a second training').to.equal(tensors);
    expect(Buffer.from(a.kernel.buffer)).to.deep.equal(Buffer.from(b.kernel.buffer));
    expect(a.path.map((p) => p.c)).to.deep.equal(C_GRID.slice(0, a.path.length));
    const best = Math.max(...a.path.map((p) => p.macroF1));
    expect(a.path.find((p) => p.c === a.c)?.macroF1).to.equal(best);
    // Early stopping: the walk ends `patience` (2) values after the last choice, unless the grid ends.
    const chosenAt = a.path.findIndex((p) => p.c === a.c);
    expect(a.path.length === C_GRID.length || a.path.length === chosenAt + 3).to.equal(true);
  });

  it('on separable labels walks on through the ties to a weak penalty, so its answers are confident', async () => {
    const { rows, targets } = blobs([12, 12, 12], 16, 0.2, 9);
    const head = await trainDense(rows, targets, 3, { seed: 1 });
    expect(head.path.every((p) => p.macroF1 === 1)).to.equal(true);
    expect(head.c).to.be.at.least(1);
    const confidence = rows.map((row) => {
      const z = [0, 1, 2].map(
        (c) =>
          (head.bias[c] as number) + row.reduce((s, v, j) => s + v * (head.kernel[j * 3 + c] as number), 0),
      );
      const top = Math.max(...z);
      return 1 / z.reduce((s, v) => s + Math.exp(v - top), 0);
    });
    expect(Math.min(...confidence)).to.be.above(0.9);
  });

  it('uses FALLBACK_C, without cross-validation, where a label has a single image', async () => {
    const { rows, targets } = blobs([20, 20, 1], 8, 1, 5);
    const head = await trainDense(rows, targets, 3, { seed: 1 });
    expect(head.path).to.deep.equal([]);
    expect(head.c).to.equal(FALLBACK_C);
  });

  it('uses a given C without cross-validation and converges: the gradient at the result is near zero', async () => {
    const { rows, targets } = blobs([20, 20], 8, 1, 4);
    const head = await trainDense(rows, targets, 2, { seed: 1, c: 0.5 });
    expect(head.path).to.deep.equal([]);
    expect(head.c).to.equal(0.5);
    // d/dbias of the weighted mean cross-entropy is mean(p − y) per class: zero at the optimum.
    const probs = rows.map((row) => {
      const z = [0, 1].map(
        (c) =>
          (head.bias[c] as number) + row.reduce((s, v, j) => s + v * (head.kernel[j * 2 + c] as number), 0),
      );
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      return e.map((v) => v / (e[0] as number) / (1 + (e[1] as number) / (e[0] as number)));
    });
    const biasGradient = probs.reduce((s, p, i) => s + (p[1] as number) - (targets[i] === 1 ? 1 : 0), 0) / 40;
    expect(Math.abs(biasGradient)).to.be.below(1e-3);
  });

  it('weights classes so a rare label is still found: better recall on it and macro-F1 than an unweighted fit', async () => {
    const { rows, targets } = blobs([200, 12], 8, 2, 11);
    // Same centres (same seed); rows the training set did not draw (its first 200 are the same stream).
    const fresh = blobs([400, 400], 8, 2, 11);
    const testRows = [...fresh.rows.slice(200, 400), ...fresh.rows.slice(600, 800)];
    const testTargets = [...Array(200).fill(0), ...Array(200).fill(1)];
    const score = async (balanced: boolean) => {
      const head = await trainDense(rows, targets, 2, { seed: 1, c: 1, balanced });
      const predicted = predict(testRows, head.kernel, head.bias, 2);
      const hits = (c: number) => predicted.filter((p, i) => p === c && testTargets[i] === c).length;
      const f1 = (c: number) =>
        (2 * hits(c)) / (predicted.filter((p) => p === c).length + testTargets.filter((t) => t === c).length);
      return { rareRecall: hits(1) / 200, macroF1: (f1(0) + f1(1)) / 2 };
    };
    const weighted = await score(true);
    const unweighted = await score(false);
    expect(weighted.rareRecall).to.be.above(unweighted.rareRecall + 0.1);
    expect(weighted.macroF1).to.be.above(unweighted.macroF1);
  });
});
