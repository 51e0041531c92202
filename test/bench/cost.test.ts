import { expect } from 'chai';
import { lambdaCostPerMillion, PRICES, rekognitionCostPerMillion } from '../../bench/lib/cost';

describe('bench cost per million images', () => {
  it('prices 100 ms at 2048 MB as 2 GB × 0.1 s of GB-seconds plus the request charge', () => {
    // Act
    const usd = lambdaCostPerMillion(100, 2048);

    // Assess
    expect(usd).to.be.closeTo(1e6 * 2 * 0.1 * PRICES.lambdaGbSecond + 0.2, 1e-9);
    expect(usd).to.be.closeTo(3.53334, 1e-4);
  });

  it('bills a fraction of a millisecond as the whole millisecond', () => {
    // Act
    const fractional = lambdaCostPerMillion(99.2, 2048);
    const whole = lambdaCostPerMillion(100, 2048);

    // Assess
    expect(fractional).to.equal(whole);
  });

  it('puts Rekognition DetectLabels at $1,000 per million images', () => {
    // Act
    const usd = rekognitionCostPerMillion();

    // Assess
    expect(usd).to.equal(1000);
  });
});
