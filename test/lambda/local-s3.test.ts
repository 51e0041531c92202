import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { decodeS3Key } from '../../function/lambda/s3-event';
import { type LocalS3, type S3NotificationRecord, startLocalS3 } from '../../scripts/lib/local-s3';

describe('local S3 server', () => {
  let s3: LocalS3;
  before(async () => {
    s3 = await startLocalS3({ buckets: ['local-test'] });
  });
  after(async () => {
    await s3?.close();
  });

  it('listens on loopback and gives the settings the SDK and the aws CLI need', () => {
    expect(s3.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.env).to.deep.equal({
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    });
  });

  it('announces each created object as S3 would: key URL-encoded, a well-formed ARN', async () => {
    // Prepare
    const seen: S3NotificationRecord[] = [];
    const stop = s3.onObjectCreated((record) => seen.push(record));
    const key = 'uploads/my+photo 1 été.jpg';

    // Act
    await s3.client().send(new PutObjectCommand({ Bucket: 'local-test', Key: key, Body: Buffer.from('x') }));
    stop();
    await s3
      .client()
      .send(new PutObjectCommand({ Bucket: 'local-test', Key: 'after-stop', Body: Buffer.from('y') }));

    // Assess
    expect(seen).to.have.length(1);
    const [record] = seen;
    expect(record?.eventName).to.equal('ObjectCreated:Put');
    expect(record?.s3.object.key).to.equal('uploads/my%2Bphoto+1+%C3%A9t%C3%A9.jpg');
    expect(decodeS3Key(record?.s3.object.key ?? '')).to.equal(key);
    expect(record?.s3.bucket.arn).to.equal('arn:aws:s3:::local-test');
  });

  it('reports a port that is taken', async () => {
    let error: NodeJS.ErrnoException | undefined;
    try {
      await startLocalS3({ port: s3.port });
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    expect(error?.code).to.equal('EADDRINUSE');
  });
});
