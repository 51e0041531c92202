import { expect } from 'chai';
import { median, percentile, ratio, summarize } from '../../bench/lib/stats';

describe('bench statistics', () => {
  it('takes the middle sample as the median, and the mean of the middle two for an even count', () => {
    // Prepare
    const odd = [5, 1, 3];
    const even = [4, 1, 3, 2];

    // Act
    const results = [median(odd), median(even)];

    // Assess
    expect(results).to.deep.equal([3, 2.5]);
  });

  it('reads the 95th percentile by nearest rank, so 20 samples give the 19th smallest', () => {
    // Prepare
    const samples = Array.from({ length: 20 }, (_, i) => 20 - i);

    // Act
    const p95 = percentile(samples, 0.95);

    // Assess
    expect(p95).to.equal(19);
  });

  it('summarises samples without reordering the caller’s array', () => {
    // Prepare
    const samples = [30, 10, 20];

    // Act
    const summary = summarize(samples);

    // Assess
    expect(summary).to.deep.equal({ n: 3, median: 20, p95: 30, min: 10, max: 30 });
    expect(samples).to.deep.equal([30, 10, 20]);
  });

  it('gives NaN rather than a number for a ratio with a missing or zero side', () => {
    // Act
    const results = [ratio(undefined, 10), ratio(5, 0), ratio(5, undefined), median([])];

    // Assess
    for (const r of results) expect(r).to.be.NaN;
    expect(ratio(5, 10)).to.equal(0.5);
  });
});
