import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { type DevServer, startDevServer } from '../../scripts/lib/dev-server';
import { fakeClassifier, RecordingLogger } from './support/fakes';
import { localS3Client } from './support/local-s3-client';

// No model needed: the fake classifier answers "macaw" for any bytes.
describe('dev server without the upload trigger (--no-trigger)', () => {
  let server: DevServer;
  let client: S3Client;

  before(async () => {
    server = await startDevServer({
      modelDir: '/nowhere',
      port: 0,
      trigger: false,
      classifier: fakeClassifier(),
      logger: new RecordingLogger(),
      say: () => undefined,
      print: () => undefined,
    });
    client = localS3Client(server.endpoint);
  });
  after(async () => {
    client?.destroy();
    await server?.close();
  });

  it('leaves uploads unclassified, and says to backfill them', async () => {
    // Act
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'uploads/a.jpg', Body: 'PARROT' }));
    await server.idle();

    // Assess
    expect(server.trigger).to.equal(false);
    expect(server.stats().handled).to.equal(0);
    expect(server.instructions).to.include(
      `npx lambdavision backfill --prefix uploads/ --endpoint-url ${server.endpoint} --bucket lambdavision`,
    );
  });

  it('still serves the on-demand endpoint, over the same bucket', async () => {
    const response = await fetch(`${server.apiEndpoint}/classify?topK=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ s3: { bucket: server.bucket, key: 'uploads/a.jpg' } }),
    });
    expect(response.status).to.equal(200);
    expect(((await response.json()) as { source: { key: string } }).source.key).to.equal('uploads/a.jpg');
  });
});
