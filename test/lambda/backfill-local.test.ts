import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { ErrorCode, ImageError } from '../../function/classifier';
import { createFunctionHandler } from '../../function/lambda/router';
import { S3ObjectStore } from '../../function/lambda/s3-object-store';
import {
  type BackfillSummary,
  type LocalBackfillOptions,
  runLocalBackfill,
} from '../../scripts/lib/backfill-local';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { fakeClassifier, RecordingLogger, RecordingMetrics, testConfig } from './support/fakes';
import { resultStates } from './support/local-bucket';

const BUCKET = 'lambdavision';

// The fake classifier answers "macaw" for any bytes but CORRUPT: the backfill's bookkeeping is under test
// here, over a real S3 wire protocol; the real model is in backfill-command.test.ts.
describe('local backfill over a local S3 server', () => {
  let s3: LocalS3;
  let client: S3Client;
  let prefix: string;
  let n = 0;

  before(async () => {
    s3 = await startLocalS3({ buckets: [BUCKET] });
    client = s3.client();
  });
  after(async () => {
    await s3?.close();
  });
  beforeEach(() => {
    n += 1;
    prefix = `uploads/run-${n}/`;
  });

  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  async function seed(count: number): Promise<string[]> {
    const keys = Array.from(
      { length: count },
      (_, i) => `${prefix}photo ${String(i).padStart(2, '0')}+x.jpg`,
    );
    for (const key of keys) await put(key, `PARROT ${key}`);
    return keys;
  }
  function backfill(options: Partial<LocalBackfillOptions> = {}): Promise<BackfillSummary> {
    const handler = createFunctionHandler({
      store: new S3ObjectStore(s3.client()),
      classifier: fakeClassifier({ fail: { CORRUPT: new ImageError(ErrorCode.CORRUPT_IMAGE, 'corrupt') } }),
      logger: new RecordingLogger(),
      metrics: new RecordingMetrics(),
      config: testConfig(),
      print: () => undefined,
    });
    return runLocalBackfill(
      { bucket: BUCKET, prefix, force: false, concurrency: 2, ...options },
      { s3: client, handler, exclude: ['results/'] },
    );
  }

  it('classifies every object under the prefix, then skips them all on a second run', async () => {
    // Prepare
    await seed(5);
    await put('elsewhere/photo.jpg', 'PARROT');

    // Act
    const first = await backfill();
    const second = await backfill();

    // Assess
    expect(first).to.include({
      total: 5,
      classified: 5,
      skipped: 0,
      failed: 0,
      retry: 0,
      interrupted: false,
    });
    expect(second).to.include({ total: 5, classified: 0, skipped: 5 });
    const { states, orphans } = await resultStates(client, BUCKET, prefix);
    expect(Object.values(states)).to.deep.equal(Array(5).fill('current'));
    expect(orphans).to.deep.equal([]);
  });

  it('stops when interrupted and resumes on the next run: then every object has exactly one current result', async () => {
    // Prepare
    const keys = await seed(10);
    const stop = new AbortController();

    // Act: interrupt after the third object
    const interrupted = await backfill({
      signal: stop.signal,
      onObject: ({ done }) => {
        if (done === 3) stop.abort();
      },
    });
    const midway = await resultStates(client, BUCKET, prefix);
    const resumed = await backfill();

    // Assess
    expect(interrupted.interrupted).to.equal(true);
    const done = interrupted.classified;
    expect(done).to.be.within(3, 4); // the other worker may have had one in flight
    expect(interrupted.notRun).to.equal(10 - done);
    expect(Object.values(midway.states).filter((s) => s === 'current')).to.have.length(done);
    expect(resumed).to.include({
      total: 10,
      classified: 10 - done,
      skipped: done,
      interrupted: false,
      notRun: 0,
    });
    const { states, orphans } = await resultStates(client, BUCKET, prefix);
    expect(Object.keys(states)).to.deep.equal(keys);
    expect(Object.values(states)).to.deep.equal(Array(10).fill('current'));
    expect(orphans).to.deep.equal([]);
  });

  it('classifies again an object replaced since its result, and everything with force', async () => {
    const [first] = await seed(3);
    await backfill();
    await put(first as string, 'PARROT, replaced');
    const changed = await backfill();
    const forced = await backfill({ force: true });
    expect(changed).to.include({ classified: 1, skipped: 2 });
    expect(forced).to.include({ classified: 3, skipped: 0 });
  });

  it('counts an object that is not an image as failed once, with its error result current', async () => {
    await seed(2);
    await put(`${prefix}notes.txt`, 'CORRUPT');
    const first = await backfill();
    const second = await backfill();
    expect(first).to.include({ classified: 2, failed: 1 });
    expect(first.problems).to.deep.equal([
      {
        key: `${prefix}notes.txt`,
        status: 'failed',
        resultString: `CORRUPT_IMAGE: corrupt; error result s3://${BUCKET}/results/${prefix}notes.txt.json`,
      },
    ]);
    expect(second).to.include({ skipped: 3, failed: 0 });
  });

  it('lists nothing under the results prefix, even from the bucket root', async () => {
    await seed(1);
    await backfill();
    prefix = '';
    const all = await backfill();
    expect(all.total).to.be.greaterThan(0);
    expect(all.problems.filter((p) => p.key.startsWith('results/'))).to.deep.equal([]);
    expect(all.classified + all.skipped + all.failed).to.equal(all.total);
  });
});
