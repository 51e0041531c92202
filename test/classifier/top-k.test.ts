import { expect } from 'chai';
import { detectOutputKind, softmax, topK } from '../../function/classifier/top-k';

describe('top-k', () => {
  const labels = ['tench', 'goldfish', 'shark', 'ray'];

  it('tells a softmax output from logits', () => {
    expect(detectOutputKind([0.1, 0.7, 0.2])).to.equal('probabilities');
    expect(detectOutputKind([2.5, -1, 0.3])).to.equal('logits');
    expect(detectOutputKind([0.1, 0.1, 0.1])).to.equal('logits');
  });

  it('computes a softmax that sums to one without overflowing on large logits', () => {
    const p = softmax([1000, 1001, 1002]);
    expect(p.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-12);
    expect(p[2]).to.be.closeTo(0.6652409557748219, 1e-12);
  });

  it('drops the background output and numbers classes from 0', () => {
    // Prepare: output 0 is background, outputs 1..4 name labels 0..3
    const scores = [0.5, 0.05, 0.3, 0.1, 0.05];
    // Act
    const ranked = topK(scores, { kind: 'probabilities', background: 1, labels, topK: 2 });
    // Assess
    expect(ranked).to.deep.equal([
      { classId: 1, label: 'goldfish', probability: 0.3 },
      { classId: 2, label: 'shark', probability: 0.1 },
    ]);
  });

  it('turns logits into probabilities and keeps the logit', () => {
    const ranked = topK([0, 0, Math.log(2), 0], { kind: 'logits', background: 0, labels, topK: 1 });
    expect(ranked[0]?.classId).to.equal(2);
    expect(ranked[0]?.probability).to.be.closeTo(0.4, 1e-12);
    expect(ranked[0]?.logit).to.be.closeTo(Math.log(2), 1e-7);
  });

  it('filters by minimum confidence but always keeps the best class', () => {
    const scores = [0.4, 0.3, 0.2, 0.1];
    expect(
      topK(scores, { kind: 'probabilities', background: 0, labels, topK: 4, minConfidence: 0.25 }),
    ).to.have.length(2);
    expect(
      topK(scores, { kind: 'probabilities', background: 0, labels, topK: 4, minConfidence: 0.9 }),
    ).to.have.length(1);
  });

  it('breaks ties by the lower class id so results are stable', () => {
    const ranked = topK([0.25, 0.25, 0.25, 0.25], { kind: 'probabilities', background: 0, labels, topK: 4 });
    expect(ranked.map((p) => p.classId)).to.deep.equal([0, 1, 2, 3]);
  });
});
