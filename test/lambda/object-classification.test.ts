import { expect } from 'chai';
import { ErrorCode, ImageError } from '../../function/classifier';
import { codeOf } from '../../function/lambda';
import { ConfigError } from '../../function/lambda/config';
import { DeadlineError, InvalidEventError, ObjectStoreError } from '../../function/lambda/errors';

describe('codeOf', () => {
  const cases: Array<[string, unknown, string]> = [
    ['an event the function does not understand', new InvalidEventError('not an S3 event'), 'INVALID_EVENT'],
    ['a setting that cannot be used', new ConfigError(['TOP_K'], 'TOP_K must be…'), 'INVALID_CONFIG'],
    ['an image error', new ImageError(ErrorCode.CORRUPT_IMAGE, 'damaged'), 'CORRUPT_IMAGE'],
    ['a store error', new ObjectStoreError('S3_THROTTLED', 'SlowDown'), 'S3_THROTTLED'],
    ['the deadline', new DeadlineError('stopped'), 'DEADLINE'],
    ['a bug', new TypeError('x is undefined'), 'UNEXPECTED'],
    ['a thrown non-error', 'a string', 'UNEXPECTED'],
  ];
  for (const [what, error, code] of cases) {
    it(`gives ${code} for ${what}`, () => {
      expect(codeOf(error)).to.equal(code);
    });
  }
});
