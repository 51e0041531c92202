import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { type Classifier, loadClassifier } from '../../function/classifier';
import { createS3NotificationHandler, type ResultDocument } from '../../function/lambda';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { lambdaContext } from '../lambda/support/fakes';
import { eventForKeys } from '../lambda/support/fixtures';
import { s3HandlerDeps } from '../lambda/support/s3-handler-deps';
import { buildHostileCorpus, isHumanMessage } from '../support/hostile-corpus';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder
const { cases } = await buildHostileCorpus();

/** What the handler must record for a corpus case: the core's verdict, except where S3 decides first. */
const expectedCode = (name: string, expect: string) =>
  // MAX_OBJECT_BYTES refuses from the object's Content-Length, before the body is downloaded.
  name === 'over-byte-cap.png' ? 'OBJECT_TOO_LARGE' : expect;

describe('the hostile corpus uploaded to a bucket, through the Lambda handler', function () {
  this.timeout(180_000);
  let s3: LocalS3;
  let client: S3Client;
  let classifier: Classifier;

  before(async () => {
    s3 = await startLocalS3({ buckets: [BUCKET] });
    client = s3.client();
    classifier = await loadClassifier({ modelDir: await buildTinyMobileNet(tempDir()), backend: 'wasm' });
  });

  after(async () => {
    classifier?.dispose();
    await s3?.close();
  });

  it('ends every upload in a result or an error result with the expected code, and throws for none', async () => {
    // Prepare
    const keys = cases.map((c) => `uploads/hostile/${c.name}`);
    for (const [i, c] of cases.entries()) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: keys[i], Body: c.bytes }));
    }
    const handler = createS3NotificationHandler(s3HandlerDeps(s3.client(), classifier));

    // Act
    const summary = await handler(eventForKeys(keys), lambdaContext(300_000));

    // Assess
    const mismatches: string[] = [];
    const counts = new Map<string, number>();
    for (const [i, c] of cases.entries()) {
      const record = summary.records[i];
      const object = await client.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: `results/${keys[i]}.json` }),
      );
      const stored = JSON.parse((await object.Body?.transformToString()) ?? 'null') as ResultDocument;
      const got = stored.status === 'ok' ? 'classified' : stored.error.code;
      const want = expectedCode(c.name, c.expect);
      counts.set(got, (counts.get(got) ?? 0) + 1);
      if (got !== want || record?.status !== (want === 'classified' ? 'classified' : 'failed')) {
        mismatches.push(`${c.name}: expected ${want}, stored ${got}, record ${record?.status}`);
      }
      if (stored.status === 'error' && !isHumanMessage(stored.error.message)) {
        mismatches.push(`${c.name}: message "${stored.error.message}"`);
      }
    }
    console.log(
      `      handler corpus: tried=${cases.length} ${[...counts].map(([k, n]) => `${k}=${n}`).join(' ')} thrown=0`,
    );
    expect(summary.records).to.have.length(cases.length);
    expect(mismatches).to.deep.equal([]);
  });
});
