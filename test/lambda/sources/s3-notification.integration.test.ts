import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { Classifier } from '../../../function/classifier';
import { createS3NotificationHandler, type S3NotificationHandler } from '../../../function/lambda';
import { RetryableRecordsError } from '../../../function/lambda/errors';
import type { ErrorResult, ResultDocument, SuccessResult } from '../../../function/lambda/result-document';
import { type LocalS3, startLocalS3 } from '../../../scripts/lib/local-s3';
import { fakeClassifier, lambdaContext } from '../support/fakes';
import { loadEvent } from '../support/fixtures';
import { readResult } from '../support/local-bucket';
import { requireRealModel } from '../support/real-classifier';
import { s3HandlerDeps } from '../support/s3-handler-deps';
import { unreachableS3Client } from '../support/unreachable-s3';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder

describe('lambda handler over a local S3 server, with the real model', () => {
  let classifier: Classifier;
  let images: string;
  let s3: LocalS3;
  let client: S3Client;
  let handler: S3NotificationHandler;

  before(async function () {
    ({ images, classifier } = await requireRealModel(this));
    s3 = await startLocalS3({ buckets: [BUCKET] });
    client = s3.client();
  });
  after(async () => {
    await s3?.close();
  });
  beforeEach(() => {
    handler = createS3NotificationHandler(s3HandlerDeps(s3.client(), classifier));
  });

  const upload = (key: string, body: Uint8Array) =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const photo = (name: string) => readFileSync(path.join(images, name));
  const result = <T extends ResultDocument = SuccessResult>(key: string) =>
    readResult<T>(client, BUCKET, key);

  it('classifies an upload and stores the result with the right top-1 and the object etag', async () => {
    // Prepare
    const key = 'uploads/my+photo 1.jpg';
    await upload(key, photo('parrot.jpg'));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));

    // Act
    const summary = await handler(loadEvent('s3-put'), lambdaContext());

    // Assess
    const stored = await result(key);
    expect(summary.records[0]?.status).to.equal('classified');
    expect(stored.status).to.equal('ok');
    expect(stored.predictions[0]).to.include({ classId: 88, label: 'macaw' });
    expect(stored.line).to.match(/^score=0\.9\d+ classid=88 human=macaw$/);
    expect(`"${stored.source.etag}"`).to.equal(head.ETag);
    expect(stored.source.key).to.equal(key);
  });

  it('finds objects whose keys hold spaces, parentheses and non-Latin letters', async () => {
    // Prepare
    const uploads: Array<[string, string, number]> = [
      ['uploads/parrot.jpg', 'parrot.jpg', 88],
      ['uploads/holiday photos/été 2024 (beach).jpg', 'hot_dog.jpg', 934],
      ['uploads/猫/cat.bmp', 'cat.bmp', 285],
    ];
    for (const [key, file] of uploads) await upload(key, photo(file));

    // Act
    const summary = await handler(loadEvent('s3-put-multi'), lambdaContext());

    // Assess
    expect(summary.records.map((r) => r.status)).to.deep.equal(['classified', 'classified', 'classified']);
    for (const [key, , classId] of uploads) {
      expect((await result(key)).predictions[0]?.classId, key).to.equal(classId);
    }
  });

  it('writes an error result for a corrupt image and does not throw', async () => {
    // Prepare: a real JPEG cut short after its header.
    const key = 'uploads/my+photo 1.jpg';
    await upload(key, photo('parrot.jpg').subarray(0, 3000));

    // Act
    const summary = await handler(loadEvent('s3-put'), lambdaContext());

    // Assess
    const stored = await result<ErrorResult>(key);
    expect(summary.records[0]).to.include({ status: 'failed', code: 'CORRUPT_IMAGE' });
    expect(stored.status).to.equal('error');
    expect(stored.error.code).to.equal('CORRUPT_IMAGE');
  });
});

// Needs no model: the handler must fail before classifying.
describe('lambda handler when S3 is unreachable', () => {
  it('throws when S3 cannot be reached, so that Lambda retries the event', async () => {
    // Prepare
    const unreachable = await unreachableS3Client();
    const offline = createS3NotificationHandler(s3HandlerDeps(unreachable, fakeClassifier()));

    // Act
    let error: unknown;
    try {
      await offline(loadEvent('s3-put'), lambdaContext());
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).to.be.instanceOf(RetryableRecordsError);
    expect((error as Error).message).to.match(/\(S3_UNREACHABLE\)$/);
    unreachable.destroy();
  });
});
