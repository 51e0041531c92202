import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { ErrorResult, ResultDocument, SuccessResult } from '../../function/lambda/result-document';
import { type DevServer, startDevServer } from '../../scripts/lib/dev-server';
import { tempDir } from '../support/tiny-models';
import { RecordingLogger } from './support/fakes';
import { localS3Client } from './support/local-s3-client';
import { requireRealModel } from './support/real-classifier';

const run = promisify(execFile);

async function awsCliAvailable(): Promise<boolean> {
  try {
    await run('aws', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('dev server', () => {
  let server: DevServer;
  let client: S3Client;
  let images: string;
  const said: string[] = [];
  const printed: string[] = [];

  before(async function () {
    const real = await requireRealModel(this);
    images = real.images;
    server = await startDevServer({
      modelDir: real.modelDir,
      port: 0,
      classifier: real.classifier,
      logger: new RecordingLogger(),
      say: (line) => said.push(line),
      print: (line) => printed.push(line),
    });
    client = localS3Client(server.endpoint);
  });
  after(async () => {
    client?.destroy();
    await server?.close();
  });

  const upload = (key: string, body: Uint8Array) =>
    client.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: body }));
  async function result<T extends ResultDocument = SuccessResult>(key: string): Promise<T> {
    const object = await client.send(
      new GetObjectCommand({ Bucket: server.bucket, Key: `results/${key}.json` }),
    );
    return JSON.parse(await (object.Body?.transformToString() ?? Promise.resolve('{}'))) as T;
  }

  it('says on start what to type, with the endpoint and the key pair', () => {
    expect(server.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.instructions).to.include('export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER');
    expect(server.instructions).to.include(
      `aws s3 cp photo.jpg s3://lambdavision/uploads/ --endpoint-url ${server.endpoint}`,
    );
    expect(server.instructions).to.include(
      `aws s3 cp "s3://lambdavision/results/uploads/photo.jpg.json" - --endpoint-url ${server.endpoint}`,
    );
  });

  it('classifies an upload, and its own result does not trigger it again', async () => {
    // Prepare
    const before = server.stats().handled;

    // Act
    await upload('uploads/parrot.jpg', readFileSync(path.join(images, 'parrot.jpg')));
    await server.idle();

    // Assess
    expect((await result('uploads/parrot.jpg')).predictions[0]?.label).to.equal('macaw');
    expect(printed).to.include('score=0.998615 classid=88 human=macaw');
    expect(server.stats().handled - before).to.equal(1);
  });

  it('ignores objects outside the upload prefix', async () => {
    const before = server.stats().handled;
    await upload('elsewhere/parrot.jpg', readFileSync(path.join(images, 'parrot.jpg')));
    await server.idle();
    expect(server.stats().handled).to.equal(before);
  });

  it('keeps serving after a corrupt upload, which gets an error result', async () => {
    // Act
    await upload('uploads/broken.jpg', readFileSync(path.join(images, 'parrot.jpg')).subarray(0, 2000));
    await upload('uploads/after broken.jpg', readFileSync(path.join(images, 'hot_dog.jpg')));
    await server.idle();

    // Assess
    expect((await result<ErrorResult>('uploads/broken.jpg')).error.code).to.equal('CORRUPT_IMAGE');
    expect((await result('uploads/after broken.jpg')).predictions[0]?.classId).to.equal(934);
    expect(server.stats().threw).to.equal(0);
  });

  it('works with the aws CLI commands it prints', async function () {
    // Prepare
    if (!(await awsCliAvailable())) {
      console.log('      skipped: the aws CLI is not installed');
      this.skip();
    }
    const dir = tempDir();
    const photo = path.join(dir, 'photo.jpg');
    writeFileSync(photo, readFileSync(path.join(images, 'hot_dog.jpg')));
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_DEFAULT_REGION: 'us-east-1',
    };
    const endpoint = ['--endpoint-url', server.endpoint];

    // Act
    await run('aws', ['s3', 'cp', photo, 's3://lambdavision/uploads/', ...endpoint, '--only-show-errors'], {
      env,
    });
    await server.idle();
    const { stdout } = await run(
      'aws',
      ['s3', 'cp', 's3://lambdavision/results/uploads/photo.jpg.json', '-', ...endpoint],
      { env },
    );

    // Assess
    const stored = JSON.parse(stdout) as SuccessResult;
    expect(stored.predictions[0]?.label).to.match(/^hotdog/);
  });
});
