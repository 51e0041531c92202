import { availableParallelism } from 'node:os';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { SingleBar } from 'cli-progress';
import { ErrorCode } from '../../function/classifier';
import {
  type BatchResponse,
  type LambdaConfig,
  loadConfig,
  type S3BatchEventV2,
} from '../../function/lambda';
import { CliError } from '../cli/cli-error';
import {
  type CommandIo,
  type Values as CommandValues,
  defineCommand,
  type OptionDefs,
  runCommand,
} from '../cli/command';
import { oneOf, wholeNumber } from '../cli/option-values';
import { WorkerPool } from '../cli/worker-pool';
import { type LocalS3Target, localS3Client, startLocalFunction } from './backfill-handler';
import { createBackfillJob } from './backfill-job';
import { type BackfillSummary, runLocalBackfill } from './backfill-local';
import { type BackfillStack, readBackfillStack } from './backfill-stack';
import type { BackfillWorkerInfo, BackfillWorkerSetup } from './backfill-worker';
import { DEFAULT_DEV_BUCKET, DEFAULT_DEV_PORT } from './dev-server';
import { localModelDir } from './local-model-dir';
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_REGION } from './local-s3';

export type BackfillIo = CommandIo;

const processIo = (): BackfillIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

const BACKFILL_OPTIONS = {
  prefix: {
    type: 'string',
    value: 'prefix',
    description: 'classify the objects under this prefix (required; "" for the whole bucket)',
  },
  bucket: {
    type: 'string',
    value: 'name',
    description: 'the bucket (required with --create-job)',
    defaultText: `${DEFAULT_DEV_BUCKET} locally`,
  },
  'endpoint-url': {
    type: 'string',
    value: 'url',
    description: 'local: the S3 endpoint',
    defaultText: `http://127.0.0.1:${DEFAULT_DEV_PORT}, lambdavision dev's`,
  },
  model: {
    type: 'string',
    value: 'dir',
    description: 'local: model folder',
    defaultText: 'LAMBDAVISION_MODEL_DIR, else .lambdavision/models/default',
  },
  jobs: {
    type: 'string',
    value: 'n',
    description:
      'local: worker threads, each a function instance with its own model (1: in this thread, no worker)',
    defaultText: 'the number of cores, at most --concurrency',
    parse: wholeNumber(1, 64),
  },
  concurrency: {
    type: 'string',
    value: 'n',
    description: 'local: objects in flight, spread over the workers',
    defaultText: '2 per --jobs',
    parse: wholeNumber(1, 64),
  },
  force: { type: 'boolean', description: 'classify objects whose result is current too' },
  'no-progress': { type: 'boolean', description: 'local: no progress bar on stderr' },
  'create-job': {
    type: 'boolean',
    description: 'on AWS: create an S3 Batch Operations job instead of running here',
  },
  'account-id': {
    type: 'string',
    value: 'id',
    description: 'job: the account that owns the job (12 digits)',
  },
  'role-arn': {
    type: 'string',
    value: 'arn',
    description: "job: the role Batch Operations assumes (the stack's BatchOperationsRoleArn output)",
  },
  'function-arn': {
    type: 'string',
    value: 'arn',
    description: "job: the function to invoke (the stack's ClassifierFunctionArn output)",
  },
  manifest: {
    type: 'string',
    value: 's3://bucket/key/manifest.json',
    description: 'job: an S3 Inventory manifest.json (CSV format) instead of listing PREFIX',
  },
  start: {
    type: 'boolean',
    description: 'job: start at once (default: the job waits, Suspended, for update-job-status Ready)',
  },
  priority: {
    type: 'string',
    value: 'n',
    description: 'job: priority',
    default: 10,
    parse: wholeNumber(0, 2147483647),
  },
  region: { type: 'string', value: 'region', description: 'job: AWS region', defaultText: "the function's" },
  stack: {
    type: 'string',
    value: 'name',
    description: 'job: the deployed stack whose outputs give every job setting a flag does not',
    default: 'lambdavision',
  },
  'manifest-prefix': {
    type: 'string',
    value: 'prefix',
    description: 'job: where the generated manifest goes',
    defaultText: '<BatchPrefix>manifests/ of the stack',
  },
  'report-bucket': {
    type: 'string',
    value: 'bucket',
    description: 'job: completion report bucket',
    defaultText: '--bucket',
  },
  'report-prefix': {
    type: 'string',
    value: 'prefix',
    description: 'job: completion report prefix',
    defaultText: '<BatchPrefix>reports of the stack',
  },
  'report-scope': {
    type: 'string',
    value: 'failed|all',
    description: 'job: failed or all tasks in the completion report',
    default: 'failed',
    parse: oneOf(['failed', 'all']),
  },
} satisfies OptionDefs;

type Values = CommandValues<typeof BACKFILL_OPTIONS>;

export const backfillCommand = backfillCommandWith({});

function backfillCommandWith(clients: BackfillClients) {
  return defineCommand({
    name: 'backfill',
    description: `Classifies the objects already in a bucket, writing the same results as uploads get.

Locally (the default): runs the function here, over an S3 endpoint (lambdavision dev's by default), sending it
one S3 Batch Operations invocation (schema 2.0) per object under --prefix, as a job would. Objects whose result
already matches their etag are skipped, so an interrupted run (Ctrl-C) resumes when run again. Prints one
line per object on stdout: status, key, result.

On AWS (--create-job): creates an S3 Batch Operations
job that invokes the deployed function on every object under --prefix, from a CSV manifest listed here and
written to s3://BUCKET/<manifest-prefix>, or from an S3 Inventory report (--manifest). It waits for
confirmation unless --start; the commands to confirm and watch it are printed, the job id on stdout.
The bucket, the batch prefix, the role, the function and the account are read from the deployed stack's
outputs (CloudFormation DescribeStacks); a flag given overrides its output. Credentials and region come
from the usual AWS settings (the region defaults to the function's). Options
marked "local:" or "job:" apply to that form only.`,
    options: BACKFILL_OPTIONS,
    exitCodes: {
      1: 'interrupted (the first Ctrl-C lets the objects in flight finish), some objects to retry, or no S3 endpoint answering',
      130: 'a second Ctrl-C: quit at once',
    },
    async run({ values }, io) {
      if (values.prefix === undefined)
        throw new CliError('--prefix is required (e.g. --prefix uploads/; "" for the whole bucket)');
      return values['create-job']
        ? await createJob(values, io, clients)
        : await backfillHere(values, io, io.signal);
    },
  });
}

/** Clients for tests to replace (a CloudFormation API on a local server, a fake). */
export interface BackfillClients {
  cloudformation?: (region: string | undefined) => Pick<CloudFormationClient, 'send'> & { destroy?(): void };
}

function given(values: Values, flag: keyof Values): string | undefined {
  const value = values[flag];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function functionConfig(env: NodeJS.ProcessEnv, modelDir: string): LambdaConfig {
  try {
    return loadConfig({ ...env, MODEL_DIR: modelDir });
  } catch (cause) {
    throw new CliError((cause as Error).message);
  }
}

/**
 * The command on an argument list: returns the exit status. `signal` stops a local run between objects
 * (the entry wires Ctrl-C to it).
 */
export function runBackfill(
  argv: string[],
  io: BackfillIo = processIo(),
  signal?: AbortSignal,
  clients: BackfillClients = {},
): Promise<number> {
  return runCommand(backfillCommandWith(clients), argv, signal ? { ...io, signal } : io);
}

/** Where the job goes and what it runs: each flag given, else the stack's output. */
export interface JobTarget {
  bucket: string;
  functionArn: string;
  roleArn: string;
  accountId: string;
  manifestPrefix: string;
  reportPrefix: string;
  resultsPrefix: string;
}

export function jobTarget(
  values: Partial<
    Record<
      'bucket' | 'function-arn' | 'role-arn' | 'account-id' | 'manifest-prefix' | 'report-prefix',
      string
    >
  >,
  stack: BackfillStack | undefined,
  localResultsPrefix: () => string,
): JobTarget {
  const pick = (flag: keyof typeof values, fromStack: string | undefined): string => {
    const value = given(values as Values, flag as keyof Values) ?? fromStack;
    if (value === undefined) throw new CliError(`--${flag} is required with --create-job`);
    return value;
  };
  return {
    bucket: pick('bucket', stack?.bucket),
    functionArn: pick('function-arn', stack?.functionArn),
    roleArn: pick('role-arn', stack?.roleArn),
    accountId: pick('account-id', stack?.accountId),
    manifestPrefix: pick('manifest-prefix', stack && `${stack.batchPrefix}manifests/`),
    reportPrefix: pick('report-prefix', stack && `${stack.batchPrefix}reports`),
    resultsPrefix: stack?.resultsPrefix ?? localResultsPrefix(),
  };
}

async function createJob(values: Values, io: BackfillIo, clients: BackfillClients = {}): Promise<number> {
  const scope = values['report-scope'];
  const flagged = (
    ['bucket', 'role-arn', 'function-arn', 'account-id', 'manifest-prefix', 'report-prefix'] as const
  ).every((flag) => given(values, flag) !== undefined);
  let stack: BackfillStack | undefined;
  if (!flagged) {
    const cloudformation = (clients.cloudformation ?? ((region) => new CloudFormationClient({ region })))(
      values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
    );
    try {
      stack = await readBackfillStack(cloudformation, values.stack ?? 'lambdavision');
    } finally {
      cloudformation.destroy?.();
    }
  }
  const target = jobTarget(values, stack, () => functionConfig(io.env, '/opt/model').resultsPrefix);
  const { bucket, functionArn } = target;
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? functionArn.split(':')[3];
  const s3 = new S3Client({ region });
  const s3control = new S3ControlClient({ region });
  try {
    const job = await createBackfillJob(
      {
        bucket,
        prefix: values.prefix ?? '',
        accountId: target.accountId,
        roleArn: target.roleArn,
        functionArn,
        inventoryManifest: values.manifest,
        manifestPrefix: target.manifestPrefix,
        reportBucket: values['report-bucket'] ?? bucket,
        reportPrefix: target.reportPrefix,
        reportScope: scope === 'all' ? 'AllTasks' : 'FailedTasksOnly',
        priority: values.priority,
        start: values.start,
        force: values.force,
        exclude: [target.resultsPrefix],
      },
      { s3, s3control },
    );
    const what =
      job.objects === undefined
        ? `the objects of the inventory report s3://${job.manifest.bucket}/${job.manifest.key}`
        : `${job.objects} objects under s3://${bucket}/${values.prefix} (manifest s3://${job.manifest.bucket}/${job.manifest.key})`;
    io.stdout.write(`${job.jobId}\n`);
    io.stderr.write(`Created S3 Batch Operations job ${job.jobId} in ${job.region} over ${what}.\n`);
    if (job.objects === undefined && values.prefix) {
      io.stderr.write(
        `Note: an inventory lists what its configuration lists, not just "${values.prefix}"; the function skips its own results, and objects it may not read fail with ACCESS_DENIED.\n`,
      );
    }
    if (job.commands.confirm) io.stderr.write(`It waits for your confirmation:\n  ${job.commands.confirm}\n`);
    io.stderr.write(`Watch it:\n  ${job.commands.watch}\nIts completion report:\n  ${job.commands.report}\n`);
    return 0;
  } finally {
    s3.destroy();
    s3control.destroy();
  }
}

async function backfillHere(values: Values, io: BackfillIo, signal?: AbortSignal): Promise<number> {
  const endpoint = values['endpoint-url'] ?? `http://127.0.0.1:${DEFAULT_DEV_PORT}`;
  const bucket = values.bucket ?? DEFAULT_DEV_BUCKET;
  const prefix = values.prefix ?? '';
  const asked = values.jobs ?? availableParallelism();
  const concurrency = values.concurrency ?? OBJECTS_PER_JOB * asked;
  // A worker with nothing in flight would only hold a model.
  const jobs = Math.min(asked, concurrency);
  const modelDir = localModelDir(values.model, io.env);
  const config = functionConfig(io.env, modelDir);
  // s3rver checks signatures against its own key pair; real credentials win when they are set.
  const target: LocalS3Target = {
    endpoint,
    region: io.env.AWS_REGION ?? LOCAL_S3_REGION,
    credentials:
      io.env.AWS_ACCESS_KEY_ID && io.env.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: io.env.AWS_ACCESS_KEY_ID,
            secretAccessKey: io.env.AWS_SECRET_ACCESS_KEY,
            ...(io.env.AWS_SESSION_TOKEN ? { sessionToken: io.env.AWS_SESSION_TOKEN } : {}),
          }
        : { ...LOCAL_S3_CREDENTIALS },
  };
  const client = localS3Client(target);
  signal?.addEventListener(
    'abort',
    () => io.stderr.write('\nstopping after the objects in flight (Ctrl-C again to quit now) ...\n'),
    { once: true },
  );
  io.stderr.write(`loading the model from ${modelDir}${jobs > 1 ? ` in ${jobs} workers` : ''} ...\n`);
  const print = (line: string) => io.stderr.write(`${line}\n`);
  let functions: LocalFunctions | undefined;
  try {
    functions =
      jobs > 1 ? await inWorkers(config, target, jobs, print) : await inThisThread(config, target, print);
    io.stderr.write(
      `backfill of s3://${bucket}/${prefix} at ${endpoint}: model ${functions.model} on ${functions.backend}${jobs > 1 ? `, ${jobs} workers` : ''}, results under ${config.resultsBucket ?? bucket}/${config.resultsPrefix}${values.force ? ', classifying current ones too (--force)' : ', skipping objects whose result is current'}\n`,
    );
    let bar: SingleBar | undefined;
    const summary = await runLocalBackfill(
      { bucket, prefix, force: values.force, concurrency, signal, ...progress() },
      { s3: client, handler: functions.invoke, exclude: [config.resultsPrefix], functionName: FUNCTION_NAME },
    );
    bar?.stop();
    report(summary, io, bucket, prefix);
    return summary.interrupted || summary.retry > 0 ? 1 : 0;

    function progress() {
      const counts = { classified: 0, skipped: 0, failed: 0, retry: 0 };
      const start = performance.now();
      return {
        onListed: (total: number) => {
          io.stderr.write(`${total} objects under s3://${bucket}/${prefix}\n`);
          if (values['no-progress'] || total === 0) return;
          // Not a terminal (a log, CI): a plain line every few seconds instead of a redrawn bar.
          bar = new SingleBar({
            stream: io.stderr as NodeJS.WritableStream,
            format:
              ' {bar} {value}/{total} | {rate} img/s | classified {classified} skipped {skipped} failed {failed} retry {retry}',
            noTTYOutput: !io.stderr.isTTY,
            notTTYSchedule: 2000,
            hideCursor: io.stderr.isTTY === true,
          });
          bar.start(total, 0, { ...counts, rate: '0.0' });
        },
        onObject: (done: { key: string; status: keyof typeof counts; resultString: string }) => {
          counts[done.status] += 1;
          const classifiedRate = counts.classified / Math.max(0.001, (performance.now() - start) / 1000);
          bar?.increment(1, { ...counts, rate: classifiedRate.toFixed(1) });
          io.stdout.write(`${done.status}\t${done.key}\t${done.resultString}\n`);
        },
      };
    }
  } finally {
    await functions?.close();
    client.destroy();
  }
}

const FUNCTION_NAME = 'lambdavision-backfill';

/** The default objects in flight per worker: one being classified while the next one's S3 read overlaps it. */
const OBJECTS_PER_JOB = 2;

/** The function instances a backfill sends its invocations to: one in this thread, or one per worker. */
interface LocalFunctions {
  model: string;
  backend: string;
  invoke(event: S3BatchEventV2): Promise<BatchResponse>;
  close(): Promise<void>;
}

async function inThisThread(
  config: LambdaConfig,
  target: LocalS3Target,
  print: (line: string) => void,
): Promise<LocalFunctions> {
  const local = await startLocalFunction(config, target, FUNCTION_NAME, print);
  return {
    model: local.classifier.model.name,
    backend: local.classifier.backend,
    invoke: local.invoke,
    close: async () => local.close(),
  };
}

/**
 * One function instance per worker thread, as Lambda runs one per concurrent invocation. The pool is
 * closed (its workers terminated) once the run ends; a first Ctrl-C lets the objects in flight finish.
 */
async function inWorkers(
  config: LambdaConfig,
  target: LocalS3Target,
  jobs: number,
  print: (line: string) => void,
): Promise<LocalFunctions> {
  const setup: BackfillWorkerSetup = { config, target, functionName: FUNCTION_NAME };
  const pool = await WorkerPool.start<S3BatchEventV2, BatchResponse, BackfillWorkerInfo, BackfillWorkerSetup>(
    {
      module: new URL('./backfill-worker.ts', import.meta.url),
      setup,
      jobs,
      onLog: print,
    },
  );
  return {
    ...pool.info,
    // A worker that died leaves its objects to retry, as a Lambda instance that crashed would.
    invoke: (event) =>
      pool.run(event).catch(
        (error: Error): BatchResponse => ({
          invocationSchemaVersion: '2.0',
          treatMissingKeysAs: 'TemporaryFailure',
          invocationId: event.invocationId,
          results: event.tasks.map((task) => ({
            taskId: task.taskId,
            resultCode: 'TemporaryFailure',
            resultString: `${ErrorCode.UNEXPECTED}: ${error.message}`,
          })),
        }),
      ),
    close: () => pool.close(),
  };
}

function report(summary: BackfillSummary, io: BackfillIo, bucket: string, prefix: string): void {
  const rate = summary.classified / Math.max(0.001, summary.seconds);
  io.stderr.write(
    `\n${summary.total} objects: ${summary.classified} classified, ${summary.skipped} skipped (result current), ${summary.failed} failed (error result written), ${summary.retry} to retry; ${summary.seconds.toFixed(1)} s, ${rate.toFixed(2)} images/s\n`,
  );
  for (const problem of summary.problems.slice(0, 20)) {
    io.stderr.write(
      `  ${problem.status === 'failed' ? 'failed' : 'retry '} ${problem.key}: ${problem.resultString}\n`,
    );
  }
  if (summary.problems.length > 20) io.stderr.write(`  ... and ${summary.problems.length - 20} more\n`);
  if (summary.interrupted) {
    io.stderr.write(
      `interrupted: ${summary.notRun} objects not started. Run the same command again to resume: objects with a current result are skipped.\n`,
    );
  } else if (summary.retry > 0) {
    io.stderr.write(
      `Some objects failed transiently: run the same command again to retry them (s3://${bucket}/${prefix}).\n`,
    );
  }
}
