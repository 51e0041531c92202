import { expect } from 'chai';
import {
  checkNumber,
  checkOption,
  ErrorCode,
  LambdaVisionError,
  MAX_TOP_K,
} from '../../function/classifier/index';

describe('numeric options (one rule each, for the CLI, the Lambda settings and requests)', () => {
  it('takes numbers and their plain decimal text', () => {
    expect(checkOption('topK', 5)).to.equal(5);
    expect(checkOption('topK', ' 7 ')).to.equal(7);
    expect(checkOption('minConfidence', '0.25')).to.equal(0.25);
    expect(checkOption('minConfidence', '.5')).to.equal(0.5);
    expect(checkOption('maxBytes', '1e6')).to.equal(1_000_000);
    expect(checkOption('topK', MAX_TOP_K)).to.equal(100);
  });

  const refused: Array<[Parameters<typeof checkOption>[0], unknown, RegExp]> = [
    ['topK', 0, /^topK must be a whole number from 1 to 100, got 0$/],
    ['topK', 101, /from 1 to 100/],
    ['topK', 2.5, /whole number/],
    ['topK', '', /got ""$/],
    ['topK', '5abc', /got "5abc"$/],
    ['topK', '0x10', /got "0x10"$/],
    ['minConfidence', 1.5, /^minConfidence must be a number from 0 to 1, got 1.5$/],
    ['minConfidence', Number.NaN, /got NaN$/],
    ['maxPixels', -1, /^maxPixels must be a positive whole number, got -1$/],
    ['maxBytes', undefined, /got undefined$/],
  ];
  for (const [name, value, message] of refused) {
    it(`refuses ${name} = ${JSON.stringify(value) ?? String(value)} with INVALID_OPTION`, () => {
      try {
        checkOption(name, value);
        expect.fail('accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(LambdaVisionError);
        expect((error as LambdaVisionError).code).to.equal(ErrorCode.INVALID_OPTION);
        expect((error as Error).message).to.match(message);
      }
    });
  }

  it('names the option as the caller spells it', () => {
    expect(() => checkOption('topK', '0', '--top')).to.throw(/^--top must be/);
    expect(() => checkNumber('x', { min: 0, max: 65535, integer: true }, '--port')).to.throw(
      '--port must be a whole number from 0 to 65535, got "x"',
    );
  });
});
