import { expect } from 'chai';
import { parseBatchEvent } from '../../function/lambda/batch-event';
import { InvalidEventError } from '../../function/lambda/errors';
import { loadFixture } from './support/fixtures';

describe('S3 Batch Operations events', () => {
  it('reads a schema 1.0 event, taking the bucket from its ARN', () => {
    // Act
    const batch = parseBatchEvent(loadFixture('s3-batch-v1'));

    // Assess
    expect(batch).to.deep.equal({
      schemaVersion: '1.0',
      invocationId: 'YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo',
      jobId: 'f3cc4f60-61f6-4a2b-8a21-d07600c373ce',
      userArguments: {},
      tasks: [
        {
          index: 0,
          taskId: 'dGFza2lkZ29lc2hlcmUK',
          bucket: 'amzn-s3-demo-bucket',
          encodedKey: 'uploads/my%2Bphoto+1.jpg',
          versionId: undefined,
        },
      ],
    });
  });

  it('reads a schema 2.0 event with its bucket name and userArguments', () => {
    const batch = parseBatchEvent(loadFixture('s3-batch-v2'));
    expect(batch.schemaVersion).to.equal('2.0');
    expect(batch.userArguments).to.deep.equal({ skipCurrent: 'true' });
    expect(batch.tasks[0]).to.include({
      bucket: 'amzn-s3-demo-bucket',
      encodedKey: 'uploads/my%2Bphoto+1.jpg',
    });
  });

  it('takes the bucket from an ARN that carries a region and an account', () => {
    const event = loadFixture<{ tasks: Array<Record<string, unknown>> }>('s3-batch-v1');
    const [task] = event.tasks;
    if (task) task.s3BucketArn = 'arn:aws:s3:us-east-1:0123456788:examplebucket';
    expect(parseBatchEvent(event).tasks[0]?.bucket).to.equal('examplebucket');
  });

  it('keeps a task version id when the manifest has one', () => {
    const event = loadFixture<{ tasks: Array<Record<string, unknown>> }>('s3-batch-v2');
    const [task] = event.tasks;
    if (task) task.s3VersionId = 'v-42';
    expect(parseBatchEvent(event).tasks[0]?.versionId).to.equal('v-42');
  });

  const invalid: Array<[string, (e: Record<string, unknown>) => void]> = [
    ['an unknown schema version', (e) => Object.assign(e, { invocationSchemaVersion: '3.0' })],
    [
      'a 2.0 task with a bucket ARN instead of a name',
      (e) => Object.assign(e, { invocationSchemaVersion: '2.0' }),
    ],
    [
      'a task without a key',
      (e) => Object.assign(e, { tasks: [{ taskId: 't', s3BucketArn: 'arn:aws:s3:::b' }] }),
    ],
    ['no job id', (e) => Object.assign(e, { job: {} })],
  ];
  for (const [what, edit] of invalid) {
    it(`refuses ${what} with an InvalidEventError`, () => {
      const event = loadFixture('s3-batch-v1');
      edit(event);
      expect(() => parseBatchEvent(event)).to.throw(InvalidEventError, /^not an S3 Batch Operations event/);
    });
  }
});
