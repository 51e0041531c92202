import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createFunctionHandler, type SuccessResult } from '../../function/lambda/index';
import { S3ObjectStore } from '../../function/lambda/s3-object-store';
import { runLocalBackfill } from '../../scripts/lib/backfill-local';
import { type DevServer, startDevServer } from '../../scripts/lib/dev-server';
import { RecordingLogger, RecordingMetrics, testConfig } from './support/fakes';
import { localS3Client } from './support/local-s3-client';
import { requireRealModel } from './support/real-classifier';

describe('labels with parents in every stored result (upload and backfill)', () => {
  let server: DevServer;
  let client: S3Client;
  let images: string;
  let classifier: Awaited<ReturnType<typeof requireRealModel>>['classifier'];
  const printed: string[] = [];

  before(async function () {
    const real = await requireRealModel(this);
    images = real.images;
    classifier = real.classifier;
    server = await startDevServer({
      modelDir: real.modelDir,
      port: 0,
      classifier,
      logger: new RecordingLogger(),
      say: () => undefined,
      print: (line) => printed.push(line),
    });
    client = localS3Client(server.endpoint);
  });
  after(async () => {
    client?.destroy();
    await server?.close();
  });

  async function result(key: string): Promise<SuccessResult> {
    const object = await client.send(
      new GetObjectCommand({ Bucket: server.bucket, Key: `results/${key}.json` }),
    );
    return JSON.parse((await object.Body?.transformToString()) ?? '{}') as SuccessResult;
  }

  it('stores the labels of an upload beside its predictions and the original line', async () => {
    // Act
    await client.send(
      new PutObjectCommand({
        Bucket: server.bucket,
        Key: 'uploads/cat.bmp',
        Body: readFileSync(path.join(images, 'cat.bmp')),
      }),
    );
    await server.idle();

    // Assess
    const doc = await result('uploads/cat.bmp');
    expect(doc.line).to.match(/^score=\S+ classid=285 human=Egyptian cat$/);
    expect(doc.predictions).to.have.length.at.most(server.config.topK);
    const cat = doc.labels?.find((l) => l.name === 'Cat');
    expect(cat?.confidence).to.be.greaterThan(90);
    expect(cat?.parents).to.include.members(['Feline', 'Mammal', 'Animal']);
    expect(doc.labels?.every((l) => l.confidence >= 55)).to.equal(true);
  });

  it('stores the same labels when a backfill classifies what was already in the bucket', async () => {
    // Prepare: an object the trigger never saw (outside the upload prefix).
    const key = 'archive/hot_dog.jpg';
    await client.send(
      new PutObjectCommand({
        Bucket: server.bucket,
        Key: key,
        Body: readFileSync(path.join(images, 'hot_dog.jpg')),
      }),
    );
    const handler = createFunctionHandler({
      store: new S3ObjectStore(localS3Client(server.endpoint)),
      classifier,
      logger: new RecordingLogger(),
      metrics: new RecordingMetrics(),
      config: testConfig({ resultsBucket: server.bucket }),
      print: () => undefined,
    });

    // Act
    await runLocalBackfill(
      { bucket: server.bucket, prefix: 'archive/', force: false, concurrency: 1 },
      { s3: client, handler, exclude: ['results/'] },
    );

    // Assess
    const doc = await result(key);
    expect(doc.labels?.map((l) => l.name)).to.include.members(['Food', 'Hotdog']);
    expect(doc.labels?.find((l) => l.name === 'Hotdog')?.parents).to.include('Food');
  });
});
