import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { ObjectStore } from '../../function/lambda/object-store';
import { resultFreshness } from '../../function/lambda/result-freshness';
import { S3ObjectStore } from '../../function/lambda/s3-object-store';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { MemoryObjectStore, testConfig } from './support/fakes';

const BUCKET = 'lambdavision';
const config = testConfig();

describe('result freshness over a local S3 server', () => {
  let s3: LocalS3;
  let client: S3Client;
  let store: S3ObjectStore;

  before(async () => {
    s3 = await startLocalS3({ buckets: [BUCKET] });
    client = s3.client();
    store = new S3ObjectStore(client);
  });
  after(async () => {
    await s3?.close();
  });

  async function put(key: string, body: string, metadata?: Record<string, string>): Promise<string> {
    const out = await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, Metadata: metadata }),
    );
    return (out.ETag ?? '').replace(/"/g, '');
  }

  it('reads an object head with its bare etag and metadata, and undefined for a missing key', async () => {
    const etag = await put('uploads/head.jpg', 'bytes', { 'source-etag': 'abc' });
    expect(await store.head({ bucket: BUCKET, key: 'uploads/head.jpg' })).to.deep.include({
      etag,
      contentLength: 5,
      metadata: { 'source-etag': 'abc' },
    });
    expect(await store.head({ bucket: BUCKET, key: 'uploads/nothing.jpg' })).to.equal(undefined);
  });

  it('says no-result, current, then changed as the object and its result come and go', async () => {
    // Prepare
    const key = 'uploads/fresh ness+1.jpg';
    const source = { bucket: BUCKET, key };
    const first = await put(key, 'first bytes');

    // Act + Assess: no result yet
    expect(await resultFreshness(store, source, config)).to.deep.include({
      current: false,
      reason: 'no-result',
    });

    // a result describing these bytes
    await put(`results/${key}.json`, '{}', { 'source-etag': first });
    expect(await resultFreshness(store, source, config)).to.deep.equal({
      current: true,
      result: { bucket: BUCKET, key: `results/${key}.json` },
      etag: first,
    });

    // the object replaced
    await put(key, 'second bytes');
    expect(await resultFreshness(store, source, config)).to.deep.include({
      current: false,
      reason: 'changed',
    });
  });

  it('uses an etag the caller already has instead of a second HEAD', async () => {
    const memory = new MemoryObjectStore();
    memory.objects.set(`${BUCKET}/results/uploads/x.jpg.json`, {
      body: Buffer.from('{}'),
      etag: 'r',
      metadata: { 'source-etag': 'listed' },
    });
    const freshness = await resultFreshness(memory, { bucket: BUCKET, key: 'uploads/x.jpg' }, config, {
      sourceEtag: 'listed',
    });
    expect(freshness.current).to.equal(true);
    expect(memory.heads.map((h) => h.key)).to.deep.equal(['results/uploads/x.jpg.json']);
  });

  it('cannot tell without a head() on the store, and says so', async () => {
    const memory = new MemoryObjectStore();
    const bare: ObjectStore = { get: (r) => memory.get(r), put: (r) => memory.put(r) };
    expect(await resultFreshness(bare, { bucket: BUCKET, key: 'uploads/x.jpg' }, config)).to.deep.include({
      current: false,
      reason: 'unknown',
    });
  });
});
