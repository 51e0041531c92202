import { expect } from 'chai';
import { bestThreshold, computeMetrics, OTHER } from '../../training/metrics';

describe('evaluation metrics', () => {
  it('computes accuracy, per-label precision/recall/F1/support, macro-F1 and the confusion matrix', () => {
    // Prepare: cat ×3 (one taken for dog), dog ×2 (both right).
    const samples = [
      { id: 'c1', truth: 0, scores: [0.9, 0.1] },
      { id: 'c2', truth: 0, scores: [0.8, 0.2] },
      { id: 'c3', truth: 0, scores: [0.3, 0.7] },
      { id: 'd1', truth: 1, scores: [0.2, 0.8] },
      { id: 'd2', truth: 1, scores: [0.4, 0.6] },
    ];

    // Act
    const m = computeMetrics(['cat', 'dog'], samples);

    // Assess
    expect(m.accuracy).to.equal(0.8);
    expect(m.confusion).to.deep.equal([
      [2, 1],
      [0, 2],
    ]);
    const [cat, dog] = m.labels;
    expect(cat).to.include({ precision: 1, support: 3 });
    expect(cat?.recall).to.be.closeTo(2 / 3, 1e-9);
    expect(dog?.precision).to.be.closeTo(2 / 3, 1e-9);
    expect(dog).to.include({ recall: 1, support: 2 });
    expect(m.macroF1).to.be.closeTo(((2 * (2 / 3)) / (5 / 3) + 0.8) / 2, 1e-9);
    expect(m.mistakes).to.deep.equal([
      { id: 'c3', truth: 'cat', predicted: 'dog', confidence: 0.7, truthScore: 0.3 },
    ]);
  });

  it('puts answers outside the labels in an "(other)" column and names them in the mistakes', () => {
    const m = computeMetrics(
      ['cat', 'dog'],
      [
        { id: 'a', truth: 0, scores: [0.1, 0], predicted: -1, predictedName: 'toaster', confidence: 0.9 },
        { id: 'b', truth: 1, scores: [0, 0.8] },
      ],
    );
    expect(m.confusion).to.deep.equal([
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(m.mistakes[0]).to.include({ predicted: 'toaster', confidence: 0.9 });
    expect(OTHER).to.equal('(other)');
  });

  it('finds the score threshold with the best F1 for a label', () => {
    // Positives score 0.9, 0.6; negatives 0.7, 0.2: a cut at 0.6 keeps both positives and one negative.
    const best = bestThreshold([0.9, 0.7, 0.6, 0.2], [true, false, true, false]);
    expect(best.threshold).to.equal(0.6);
    expect(best.f1).to.be.closeTo(0.8, 1e-9);
  });
});
