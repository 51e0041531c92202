import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { CreateJobCommand, CreateJobCommandOutput } from '@aws-sdk/client-s3-control';
import { expect } from 'chai';
import { decodeS3Key } from '../../function/lambda/s3-event';
import { CliError } from '../../scripts/cli/cli-error';
import { type BackfillJobOptions, createBackfillJob } from '../../scripts/lib/backfill-job';

type S3Command = ListObjectsV2Command | PutObjectCommand | HeadObjectCommand;
type S3Output = ListObjectsV2CommandOutput & PutObjectCommandOutput & HeadObjectCommandOutput;

/** Records every command; lists `keys` in pages of two, as S3 pages 1000 at a time. */
class FakeS3 {
  readonly commands: S3Command[] = [];
  constructor(private readonly keys: string[]) {}
  async send(command: S3Command): Promise<S3Output> {
    this.commands.push(command);
    if (command instanceof ListObjectsV2Command) {
      const start = Number(command.input.ContinuationToken ?? 0);
      const page = this.keys.filter((k) => k.startsWith(command.input.Prefix ?? '')).slice(start, start + 2);
      const more = start + 2 < this.keys.length;
      return {
        $metadata: {},
        Contents: page.map((Key) => ({ Key, ETag: `"etag-${Key.length}"`, Size: 10 })),
        IsTruncated: more,
        NextContinuationToken: more ? String(start + 2) : undefined,
      };
    }
    if (command instanceof PutObjectCommand) return { $metadata: {}, ETag: '"manifest-etag"' };
    return { $metadata: {}, ETag: '"inventory-etag"' };
  }
  of<T extends S3Command>(type: new (...args: never[]) => T): T[] {
    return this.commands.filter((c): c is T => c instanceof type);
  }
}

class FakeS3Control {
  readonly commands: CreateJobCommand[] = [];
  async send(command: CreateJobCommand): Promise<CreateJobCommandOutput> {
    this.commands.push(command);
    return { $metadata: {}, JobId: 'job-0123' };
  }
}

const OPTIONS: BackfillJobOptions = {
  bucket: 'lambdavision-123456789012-abc',
  prefix: 'uploads/',
  accountId: '123456789012',
  roleArn: 'arn:aws:iam::123456789012:role/lambdavision-BatchOperationsRole-XYZ',
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:lambdavision-classifier',
  manifestPrefix: 'batch/manifests/',
  reportBucket: 'lambdavision-123456789012-abc',
  reportPrefix: 'batch/reports',
  reportScope: 'FailedTasksOnly',
  priority: 10,
  start: false,
  force: false,
  exclude: ['results/'],
};

const KEYS = [
  'uploads/a.jpg',
  'uploads/holiday photos/été, 2024.jpg',
  'uploads/folder/',
  'uploads/my+photo.jpg',
  'uploads/z.png',
];

function setup(keys = KEYS) {
  const s3 = new FakeS3(keys);
  const s3control = new FakeS3Control();
  const deps = { s3, s3control, now: () => new Date('2025-01-02T03:04:05.678Z'), token: () => 'token-1' };
  return { s3, s3control, deps };
}

describe('backfill job (S3 Batch Operations, with fake clients)', () => {
  it('lists the prefix into a CSV manifest with URL-encoded keys and writes it to the bucket', async () => {
    // Prepare
    const { s3, deps } = setup();

    // Act
    const job = await createBackfillJob(OPTIONS, deps);

    // Assess
    expect(s3.of(ListObjectsV2Command).map((c) => c.input)).to.deep.equal([
      { Bucket: OPTIONS.bucket, Prefix: 'uploads/', ContinuationToken: undefined },
      { Bucket: OPTIONS.bucket, Prefix: 'uploads/', ContinuationToken: '2' },
      { Bucket: OPTIONS.bucket, Prefix: 'uploads/', ContinuationToken: '4' },
    ]);
    const [put] = s3.of(PutObjectCommand);
    expect(put?.input).to.include({
      Bucket: OPTIONS.bucket,
      Key: 'batch/manifests/backfill-2025-01-02T03-04-05-678Z.csv',
      ContentType: 'text/csv',
    });
    const lines = String(put?.input.Body).split('\n');
    expect(lines).to.deep.equal([
      `${OPTIONS.bucket},uploads/a.jpg`,
      `${OPTIONS.bucket},uploads/holiday+photos/%C3%A9t%C3%A9%2C+2024.jpg`,
      `${OPTIONS.bucket},uploads/my%2Bphoto.jpg`,
      `${OPTIONS.bucket},uploads/z.png`,
      '',
    ]);
    // Batch Operations decodes them back to the keys (as the function's decodeS3Key does).
    expect(lines.slice(0, 4).map((l) => decodeS3Key(l.split(',')[1] ?? ''))).to.deep.equal(
      KEYS.filter((k) => !k.endsWith('/')),
    );
    expect(job).to.deep.include({ jobId: 'job-0123', region: 'eu-west-1', objects: 4 });
  });

  it('creates a LambdaInvoke job (schema 2.0, skipCurrent) from the manifest, reporting failed tasks', async () => {
    // Prepare
    const { s3control, deps } = setup();

    // Act
    await createBackfillJob(OPTIONS, deps);

    // Assess
    expect(s3control.commands).to.have.length(1);
    expect(s3control.commands[0]?.input).to.deep.equal({
      AccountId: '123456789012',
      ConfirmationRequired: true,
      ClientRequestToken: 'token-1',
      Description: `LambdaVision backfill of s3://${OPTIONS.bucket}/uploads/`,
      Priority: 10,
      RoleArn: OPTIONS.roleArn,
      Operation: {
        LambdaInvoke: {
          FunctionArn: OPTIONS.functionArn,
          InvocationSchemaVersion: '2.0',
          UserArguments: { skipCurrent: 'true' },
        },
      },
      Manifest: {
        Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
        Location: {
          ObjectArn: `arn:aws:s3:::${OPTIONS.bucket}/batch/manifests/backfill-2025-01-02T03-04-05-678Z.csv`,
          ETag: 'manifest-etag',
        },
      },
      Report: {
        Bucket: `arn:aws:s3:::${OPTIONS.bucket}`,
        Prefix: 'batch/reports',
        Format: 'Report_CSV_20180820',
        Enabled: true,
        ReportScope: 'FailedTasksOnly',
      },
    });
  });

  it('says how to confirm, watch and read the job', async () => {
    const { deps } = setup();
    const job = await createBackfillJob(OPTIONS, deps);
    expect(job.commands).to.deep.equal({
      confirm:
        'aws s3control update-job-status --account-id 123456789012 --job-id job-0123 --region eu-west-1 --requested-job-status Ready',
      watch:
        "aws s3control describe-job --account-id 123456789012 --job-id job-0123 --region eu-west-1 --query 'Job.{Status:Status,Progress:ProgressSummary,Failures:FailureReasons}'",
      report: `aws s3 ls s3://${OPTIONS.bucket}/batch/reports/job-job-0123/ --recursive`,
    });
  });

  it('starts at once with --start and classifies current objects too with --force', async () => {
    const { s3control, deps } = setup();
    const job = await createBackfillJob({ ...OPTIONS, start: true, force: true }, deps);
    const input = s3control.commands[0]?.input;
    expect(input?.ConfirmationRequired).to.equal(false);
    expect(input?.Operation?.LambdaInvoke?.UserArguments).to.deep.equal({ skipCurrent: 'false' });
    expect(job.commands).to.not.have.property('confirm');
  });

  it('leaves the results prefix out of a manifest listed from the bucket root', async () => {
    const { s3, deps } = setup(['results/uploads/a.jpg.json', 'uploads/a.jpg']);
    await createBackfillJob({ ...OPTIONS, prefix: '' }, deps);
    expect(String(s3.of(PutObjectCommand)[0]?.input.Body)).to.equal(`${OPTIONS.bucket},uploads/a.jpg\n`);
  });

  it('uses an S3 Inventory report as it is, with its ETag, listing nothing', async () => {
    // Prepare
    const { s3, s3control, deps } = setup();

    // Act
    const job = await createBackfillJob(
      {
        ...OPTIONS,
        inventoryManifest: 's3://inventory-bucket/lambdavision/daily/2025-01-01T01-00Z/manifest.json',
      },
      deps,
    );

    // Assess
    expect(s3.of(ListObjectsV2Command)).to.have.length(0);
    expect(s3.of(PutObjectCommand)).to.have.length(0);
    expect(s3.of(HeadObjectCommand)[0]?.input).to.deep.equal({
      Bucket: 'inventory-bucket',
      Key: 'lambdavision/daily/2025-01-01T01-00Z/manifest.json',
    });
    expect(s3control.commands[0]?.input.Manifest).to.deep.equal({
      Spec: { Format: 'S3InventoryReport_CSV_20161130' },
      Location: {
        ObjectArn: 'arn:aws:s3:::inventory-bucket/lambdavision/daily/2025-01-01T01-00Z/manifest.json',
        ETag: 'inventory-etag',
      },
    });
    expect(job.objects).to.equal(undefined);
  });

  it("takes the ARN partition from the function's", async () => {
    const { s3control, deps } = setup();
    await createBackfillJob(
      {
        ...OPTIONS,
        roleArn: 'arn:aws-cn:iam::123456789012:role/r',
        functionArn: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:f',
      },
      deps,
    );
    expect(s3control.commands[0]?.input.Report?.Bucket).to.equal(`arn:aws-cn:s3:::${OPTIONS.bucket}`);
  });

  const refused: Array<[string, Partial<BackfillJobOptions>, RegExp]> = [
    ['an account id that is not 12 digits', { accountId: '1234' }, /--account-id must be a 12-digit/],
    [
      'a role that is not an IAM role ARN',
      { roleArn: 'lambdavision-role' },
      /--role-arn must be an IAM role ARN/,
    ],
    [
      'a function that is not a Lambda ARN',
      { functionArn: 'lambdavision-classifier' },
      /--function-arn must be/,
    ],
    [
      'an inventory manifest that is not s3://',
      { inventoryManifest: 'manifest.json' },
      /--manifest must be s3:/,
    ],
  ];
  for (const [what, change, message] of refused) {
    it(`refuses ${what} before calling AWS`, async () => {
      const { s3, s3control, deps } = setup();
      let error: unknown;
      try {
        await createBackfillJob({ ...OPTIONS, ...change }, deps);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(CliError);
      expect((error as Error).message).to.match(message);
      expect(s3control.commands).to.have.length(0);
      if (!change.inventoryManifest) expect(s3.commands).to.have.length(0);
    });
  }

  it('creates no job for an empty prefix', async () => {
    const { s3control, deps } = setup([]);
    let error: unknown;
    try {
      await createBackfillJob(OPTIONS, deps);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/^no objects under s3:\/\/.*\/uploads\/: nothing to backfill$/);
    expect(s3control.commands).to.have.length(0);
  });
});
