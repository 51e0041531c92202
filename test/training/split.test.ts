import { expect } from 'chai';
import { stratifiedSplit } from '../../training/split';

describe('stratified split', () => {
  const labels = [...Array(50).fill(0), ...Array(10).fill(1), 2];

  it('holds out the fraction of each label, keeps one image of a lone label for training, and repeats for a seed', () => {
    const a = stratifiedSplit(labels, 0.2, 7);
    const b = stratifiedSplit(labels, 0.2, 7);
    const count = (idx: number[], label: number) => idx.filter((i) => labels[i] === label).length;
    expect(a).to.deep.equal(b);
    expect([count(a.test, 0), count(a.test, 1), count(a.test, 2)]).to.deep.equal([10, 2, 0]);
    expect(count(a.train, 2)).to.equal(1);
    expect(new Set([...a.train, ...a.test]).size).to.equal(labels.length);
  });

  it('gives another split for another seed', () => {
    expect(stratifiedSplit(labels, 0.2, 1).test).to.not.deep.equal(stratifiedSplit(labels, 0.2, 2).test);
  });
});
