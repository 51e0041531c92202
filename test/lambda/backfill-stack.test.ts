import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import {
  CloudFormationClient,
  CreateStackCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { expect } from 'chai';
import { CliError } from '../../scripts/cli/cli-error';
import { jobTarget } from '../../scripts/lib/backfill-command';
import { type BackfillStack, readBackfillStack } from '../../scripts/lib/backfill-stack';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** The outputs template.yaml gives, with a batch prefix that is not the default. */
const STACK_TEMPLATE = JSON.stringify({
  Parameters: { BatchPrefix: { Type: 'String', Default: 'batch/' } },
  Resources: { FailureQueue: { Type: 'AWS::SQS::Queue' } },
  Outputs: {
    UploadBucketName: { Value: 'lambdavision-123456789012-abcd1234' },
    UploadPrefix: { Value: 'uploads/' },
    ResultsPrefix: { Value: 'out/' },
    BatchPrefix: { Value: { Ref: 'BatchPrefix' } },
    BatchOperationsRoleArn: { Value: 'arn:aws:iam::123456789012:role/lambdavision-BatchOperationsRole-X' },
    ClassifierFunctionArn: {
      Value: 'arn:aws:lambda:eu-west-1:123456789012:function:lambdavision-classifier',
    },
  },
});

describe('backfill --create-job reads the stack (CloudFormation API of a local moto server)', function () {
  this.timeout(60_000);
  let moto: ChildProcess | undefined;
  let cloudformation: CloudFormationClient;

  before(async function () {
    if (spawnSync('moto_server', ['--help'], { encoding: 'utf8' }).error) {
      console.log('      skipped: moto_server is not on PATH (pip install "moto[server]")');
      this.skip();
    }
    const port = await freePort();
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    cloudformation = new CloudFormationClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    // Up when it answers.
    for (let i = 0; ; i += 1) {
      try {
        await cloudformation.send(
          new CreateStackCommand({
            StackName: 'lv-jobs',
            TemplateBody: STACK_TEMPLATE,
            Parameters: [{ ParameterKey: 'BatchPrefix', ParameterValue: 'jobs/' }],
          }),
        );
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await waitUntilStackCreateComplete(
      { client: cloudformation, maxWaitTime: 30, minDelay: 1 },
      { StackName: 'lv-jobs' },
    );
    await cloudformation.send(
      new CreateStackCommand({
        StackName: 'lv-old',
        TemplateBody: JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }),
      }),
    );
  });

  after(() => {
    cloudformation?.destroy();
    moto?.kill();
  });

  it('takes the bucket, batch prefix, results prefix, role, function and account from its outputs', async () => {
    // Act
    const stack = await readBackfillStack(cloudformation, 'lv-jobs');

    // Assess
    expect(stack).to.deep.equal({
      stackName: 'lv-jobs',
      bucket: 'lambdavision-123456789012-abcd1234',
      batchPrefix: 'jobs/',
      resultsPrefix: 'out/',
      roleArn: 'arn:aws:iam::123456789012:role/lambdavision-BatchOperationsRole-X',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:lambdavision-classifier',
      accountId: '123456789012',
      region: 'eu-west-1',
    });
  });

  it('says which stack is missing, or which output an older stack lacks', async () => {
    const missing = await rejection(readBackfillStack(cloudformation, 'nowhere'));
    expect(missing).to.be.instanceOf(CliError);
    expect(missing.message).to.match(/^no stack "nowhere" in this region/);

    const old = await rejection(readBackfillStack(cloudformation, 'lv-old'));
    expect(old).to.be.instanceOf(CliError);
    expect(old.message).to.match(/stack "lv-old" has no output UploadBucketName/);
  });
});

describe('backfill --create-job: where the job writes', () => {
  const stack: BackfillStack = {
    stackName: 's',
    bucket: 'lambdavision-123456789012-abcd1234',
    batchPrefix: 'jobs/',
    resultsPrefix: 'out/',
    roleArn: 'arn:aws:iam::123456789012:role/r',
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
    accountId: '123456789012',
    region: 'eu-west-1',
  };
  const noLocalConfig = () => {
    throw new Error('the stack has the results prefix');
  };

  it("puts manifests and reports under the stack's batch prefix, never an assumed batch/", () => {
    expect(jobTarget({}, stack, noLocalConfig)).to.deep.equal({
      bucket: stack.bucket,
      functionArn: stack.functionArn,
      roleArn: stack.roleArn,
      accountId: '123456789012',
      manifestPrefix: 'jobs/manifests/',
      reportPrefix: 'jobs/reports',
      resultsPrefix: 'out/',
    });
  });

  it('lets a flag override each output', () => {
    const target = jobTarget({ 'manifest-prefix': 'm/', bucket: 'other' }, stack, noLocalConfig);
    expect(target).to.include({ manifestPrefix: 'm/', bucket: 'other', reportPrefix: 'jobs/reports' });
  });

  it('without a stack, needs every value as a flag', () => {
    expect(() => jobTarget({ bucket: 'b' }, undefined, () => 'results/')).to.throw(
      CliError,
      /--function-arn is required with --create-job/,
    );
  });
});
