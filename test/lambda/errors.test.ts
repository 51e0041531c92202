import { expect } from 'chai';
import { ErrorCode, ImageError, LambdaVisionError, ModelError } from '../../function/classifier';
import { ConfigError } from '../../function/lambda/config';
import {
  codeOf,
  DeadlineError,
  failureOf,
  InvalidEventError,
  ObjectStoreError,
  PermanentFailure,
  RetryableRecordsError,
} from '../../function/lambda/errors';
import { RequestError } from '../../function/lambda/on-demand-request';

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

describe('failureOf', () => {
  const s3Error = (name: string, status: number) =>
    Object.assign(new Error(`${name} from S3`), { name, $metadata: { httpStatusCode: status } });

  const cases: Array<[string, unknown, string, 'permanent' | 'transient']> = [
    ['a corrupt image', new ImageError(ErrorCode.CORRUPT_IMAGE, 'damaged'), 'CORRUPT_IMAGE', 'permanent'],
    [
      'a model that failed to load',
      new ModelError(ErrorCode.MODEL_NOT_FOUND, 'no model.json'),
      'MODEL_NOT_FOUND',
      'transient',
    ],
    [
      'a refused request',
      new RequestError(400, ErrorCode.INVALID_JSON, 'not JSON'),
      'INVALID_JSON',
      'permanent',
    ],
    [
      'a gone object',
      new ObjectStoreError(ErrorCode.OBJECT_NOT_FOUND, 'NoSuchKey'),
      'OBJECT_NOT_FOUND',
      'permanent',
    ],
    [
      'a refused write of a result, marked transient by its writer',
      new ObjectStoreError(ErrorCode.ACCESS_DENIED, 'cannot write', { kind: 'transient' }),
      'ACCESS_DENIED',
      'transient',
    ],
    ['S3 throttling', new ObjectStoreError(ErrorCode.S3_THROTTLED, 'SlowDown'), 'S3_THROTTLED', 'transient'],
    ['an AWS SDK NoSuchKey', s3Error('NoSuchKey', 404), 'OBJECT_NOT_FOUND', 'permanent'],
    ['an AWS SDK AccessDenied', s3Error('AccessDenied', 403), 'ACCESS_DENIED', 'permanent'],
    ['an AWS SDK SlowDown', s3Error('SlowDown', 503), 'S3_THROTTLED', 'transient'],
    ['an AWS SDK InternalError', s3Error('InternalError', 500), 'S3_UNAVAILABLE', 'transient'],
    ['the deadline', new DeadlineError('stopped'), 'DEADLINE', 'transient'],
    [
      'records left for the retry',
      new RetryableRecordsError([new Error('x')], '1 of 2'),
      'RECORDS_RETRIED',
      'transient',
    ],
    [
      'a permanent failure of one item',
      new PermanentFailure(ErrorCode.INVALID_KEY, 'bad key'),
      'INVALID_KEY',
      'permanent',
    ],
    ['a bug', new TypeError('x is undefined'), 'UNEXPECTED', 'transient'],
    ['a thrown non-error', 42, 'UNEXPECTED', 'transient'],
  ];
  for (const [what, error, code, kind] of cases) {
    it(`sorts ${what} as ${code}, ${kind}`, () => {
      expect(failureOf(error)).to.deep.equal({ code, kind });
    });
  }

  it('finds every error the function reports in the one family', () => {
    const errors = [
      new InvalidEventError('x'),
      new DeadlineError('x'),
      new ObjectStoreError(ErrorCode.S3_UNAVAILABLE, 'x'),
      new RetryableRecordsError([], 'x'),
      new PermanentFailure(ErrorCode.CORRUPT_IMAGE, 'x'),
      new ConfigError(['TOP_K'], 'x'),
      new RequestError(404, ErrorCode.ROUTE_NOT_FOUND, 'x'),
    ];
    for (const error of errors) expect(error, error.name).to.be.instanceOf(LambdaVisionError);
  });
});
