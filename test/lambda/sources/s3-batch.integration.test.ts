import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3BatchEvent } from 'aws-lambda';
import { expect } from 'chai';
import type { Classifier } from '../../../function/classifier';
import { createBatchHandler } from '../../../function/lambda';
import type { S3BatchEventV2 } from '../../../function/lambda/batch-event';
import type { ErrorResult, ResultDocument, SuccessResult } from '../../../function/lambda/result-document';
import { type LocalS3, startLocalS3 } from '../../../scripts/lib/local-s3';
import { fakeClassifier, lambdaContext } from '../support/fakes';
import { batchEventForKeys, loadFixture } from '../support/fixtures';
import { readResult } from '../support/local-bucket';
import { requireRealModel } from '../support/real-classifier';
import { s3HandlerDeps } from '../support/s3-handler-deps';
import { unreachableS3Client } from '../support/unreachable-s3';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder

const batchEvent = (keys: string[], userArguments?: Record<string, string>) =>
  batchEventForKeys(BUCKET, keys, userArguments);

describe('S3 Batch Operations handler over a local S3 server, with the real model', () => {
  let classifier: Classifier;
  let images: string;
  let s3: LocalS3;
  let client: S3Client;

  before(async function () {
    ({ images, classifier } = await requireRealModel(this));
    s3 = await startLocalS3({ buckets: [BUCKET] });
    client = s3.client();
  });
  after(async () => {
    await s3?.close();
  });

  const handler = () => createBatchHandler(s3HandlerDeps(s3.client(), classifier));
  const upload = (key: string, body: Uint8Array | string) =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const photo = (name: string) => readFileSync(path.join(images, name));
  const result = <T extends ResultDocument = SuccessResult>(key: string) =>
    readResult<T>(client, BUCKET, key);

  it('answers a mixed batch task by task: a photo, a corrupt one, garbage, a missing object and a result', async () => {
    // Prepare
    await upload('uploads/batch/parrot.jpg', photo('parrot.jpg'));
    await upload('uploads/batch/broken photo.jpg', photo('parrot.jpg').subarray(0, 3000));
    await upload('uploads/batch/notes.txt', 'not an image at all');
    await upload('results/uploads/batch/old.jpg.json', '{}');
    const keys = [
      'uploads/batch/parrot.jpg',
      'uploads/batch/broken photo.jpg',
      'uploads/batch/notes.txt',
      'uploads/batch/gone.jpg',
      'results/uploads/batch/old.jpg.json',
    ];

    // Act
    const response = await handler()(batchEvent(keys), lambdaContext());

    // Assess
    expect(
      response.results.map((r) => [r.taskId, r.resultCode, r.resultString.split(/[ :]/)[0]]),
    ).to.deep.equal([
      ['task-0', 'Succeeded', 'classified'],
      ['task-1', 'PermanentFailure', 'CORRUPT_IMAGE'],
      ['task-2', 'PermanentFailure', 'UNSUPPORTED_FORMAT'],
      ['task-3', 'PermanentFailure', 'OBJECT_NOT_FOUND'],
      ['task-4', 'Succeeded', 'skipped'],
    ]);
    const parrot = await result('uploads/batch/parrot.jpg');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'uploads/batch/parrot.jpg' }),
    );
    expect(parrot.predictions[0]).to.include({ classId: 88, label: 'macaw' });
    expect(`"${parrot.source.etag}"`).to.equal(head.ETag);
    expect(response.results[0]?.resultString).to.match(
      /^classified score=0\.99\d+ classid=88 human=macaw -> s3:\/\//,
    );
    expect((await result<ErrorResult>('uploads/batch/broken photo.jpg')).error.code).to.equal(
      'CORRUPT_IMAGE',
    );
    expect((await result<ErrorResult>('uploads/batch/notes.txt')).error.code).to.equal('UNSUPPORTED_FORMAT');
    expect((await result<ErrorResult>('uploads/batch/gone.jpg')).error.code).to.equal('OBJECT_NOT_FOUND');
  });

  it('answers the schema 1.0 fixture, then skips the same object under skipCurrent (the 2.0 fixture)', async () => {
    // Prepare
    await upload('uploads/my+photo 1.jpg', photo('hot_dog.jpg'));

    // Act
    const first = await handler()(loadFixture<S3BatchEvent>('s3-batch-v1'), lambdaContext());
    const second = await handler()(loadFixture<S3BatchEventV2>('s3-batch-v2'), lambdaContext());

    // Assess
    expect(first.invocationSchemaVersion).to.equal('1.0');
    expect(first.results[0]?.resultString).to.match(/^classified score=\S+ classid=934 human=hotdog/);
    expect(second.invocationSchemaVersion).to.equal('2.0');
    expect(second.results[0]).to.include({ resultCode: 'Succeeded' });
    expect(second.results[0]?.resultString).to.match(
      /^skipped: s3:\/\/amzn-s3-demo-bucket\/results\/uploads\/my\+photo 1\.jpg\.json is current/,
    );
  });
});

// Needs no model: the handler must fail before classifying.
describe('S3 Batch Operations handler when S3 is unreachable', () => {
  it('answers TemporaryFailure, so that Batch Operations retries the task', async () => {
    // Prepare
    const unreachable = await unreachableS3Client();
    const handler = createBatchHandler(s3HandlerDeps(unreachable, fakeClassifier()));

    // Act
    const response = await handler(batchEvent(['uploads/a.jpg'], { skipCurrent: 'true' }), lambdaContext());

    // Assess
    expect(response.results[0]?.resultCode).to.equal('TemporaryFailure');
    expect(response.results[0]?.resultString).to.match(/^S3_UNREACHABLE: /);
    unreachable.destroy();
  });
});
