import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { SingleBar } from 'cli-progress';
import { type Classifier, loadClassifier } from '../../function/classifier';
import {
  createFunctionHandler,
  type LambdaConfig,
  type LogSink,
  loadConfig,
  NO_METRICS,
  S3ObjectStore,
} from '../../function/lambda';
import { CliError } from '../cli/cli-error';
import { createBackfillJob } from './backfill-job';
import { type BackfillSummary, runLocalBackfill } from './backfill-local';
import { type BackfillStack, readBackfillStack } from './backfill-stack';
import { DEFAULT_DEV_BUCKET, DEFAULT_DEV_PORT } from './dev-server';
import { localModelDir } from './local-model-dir';
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_REGION } from './local-s3';

export const BACKFILL_USAGE = `usage:
  npm run backfill -- --prefix PREFIX [--endpoint-url URL] [--bucket NAME] [--model DIR] [--concurrency N] [--force]
  npm run backfill -- --create-job --prefix PREFIX [--stack NAME] [--region R]
                      [--manifest s3://BUCKET/KEY/manifest.json] [--start] [--force] [--priority N]
                      [--manifest-prefix P] [--report-bucket B] [--report-prefix P] [--report-scope failed|all]

Classifies the objects already in a bucket, writing the same results as uploads get.

Locally (the first form): runs the function here, over an S3 endpoint (\`npm run dev\`'s by default), sending it
one S3 Batch Operations invocation (schema 2.0) per object under PREFIX, as a job would. Objects whose result
already matches their etag are skipped, so an interrupted run (Ctrl-C) resumes when run again.
  --endpoint-url URL   S3 endpoint (default http://127.0.0.1:${DEFAULT_DEV_PORT}, npm run dev's)
  --bucket NAME        bucket (default ${DEFAULT_DEV_BUCKET})
  --model DIR          model folder (default: LAMBDAVISION_MODEL_DIR, else .lambdavision/models/default)
  --concurrency N      objects in flight (default 2)
  --force              classify objects whose result is current too
  --no-progress        no progress bar on stderr

On AWS (--create-job): creates an S3 Batch Operations job that invokes the deployed function on every object
under PREFIX, from a CSV manifest listed here and written to s3://NAME/<manifest-prefix>, or from an S3
Inventory report (--manifest). It waits for confirmation unless --start; the commands to confirm and watch
it are printed. Credentials and region come from the usual AWS settings. The bucket, the batch prefix, the
role and the function are read from the deployed stack's outputs (CloudFormation DescribeStacks); a flag
given overrides its output.
  --stack NAME         the deployed stack (default lambdavision, as in samconfig.toml)
  --bucket NAME        the bucket (the stack's UploadBucketName output)
  --account-id ID      the account that owns the job (12 digits; default: the stack's)
  --role-arn ARN       the role Batch Operations assumes (the stack's BatchOperationsRoleArn output)
  --function-arn ARN   the function to invoke (the stack's ClassifierFunctionArn output)
  --manifest URL       an S3 Inventory manifest.json (CSV format) instead of listing PREFIX
  --start              start at once (default: the job waits, Suspended, for update-job-status Ready)
  --priority N         job priority (default 10)
  --manifest-prefix P  where the generated manifest goes (default <BatchPrefix>manifests/ of the stack)
  --report-bucket B    completion report bucket (default: --bucket)
  --report-prefix P    completion report prefix (default <BatchPrefix>reports of the stack)
  --report-scope S     failed (default) or all tasks in the completion report

Exit status: 0 done, 1 interrupted or some objects to retry, 2 usage error.`;

export interface BackfillIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const processIo = (): BackfillIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

const OPTIONS = {
  prefix: { type: 'string' },
  bucket: { type: 'string' },
  'endpoint-url': { type: 'string' },
  model: { type: 'string' },
  concurrency: { type: 'string' },
  force: { type: 'boolean', default: false },
  'no-progress': { type: 'boolean', default: false },
  'create-job': { type: 'boolean', default: false },
  'account-id': { type: 'string' },
  'role-arn': { type: 'string' },
  'function-arn': { type: 'string' },
  manifest: { type: 'string' },
  start: { type: 'boolean', default: false },
  priority: { type: 'string' },
  region: { type: 'string' },
  stack: { type: 'string', default: 'lambdavision' },
  'manifest-prefix': { type: 'string' },
  'report-bucket': { type: 'string' },
  'report-prefix': { type: 'string' },
  'report-scope': { type: 'string', default: 'failed' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false }>>['values'];

function wholeNumber(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
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
 * `npm run backfill`: returns the exit status. `signal` stops a local run between objects (the entry
 * wires Ctrl-C to it).
 */
export async function runBackfill(
  argv: string[],
  io: BackfillIo = processIo(),
  signal?: AbortSignal,
  clients: BackfillClients = {},
): Promise<number> {
  try {
    let values: Values;
    try {
      ({ values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }));
    } catch (cause) {
      throw new CliError((cause as Error).message);
    }
    if (values.help) {
      io.stdout.write(`${BACKFILL_USAGE}\n`);
      return 0;
    }
    if (values.prefix === undefined)
      throw new CliError('--prefix is required (e.g. --prefix uploads/; "" for the whole bucket)');
    return values['create-job']
      ? await createJob(values, io, clients)
      : await backfillHere(values, io, signal);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n\n${BACKFILL_USAGE}\n`);
      return 2;
    }
    throw error;
  }
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
  if (scope !== 'failed' && scope !== 'all')
    throw new CliError(`--report-scope must be failed or all, got "${scope}"`);
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
        priority: wholeNumber('priority', values.priority, 10, 0, 2147483647),
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

// In-process runs have no CloudWatch: metrics would only be EMF noise.
/** Only what needs a person: the function's warnings go into the summary instead (they name each object). */
function criticalOnly(io: BackfillIo): LogSink {
  const ignore = () => undefined;
  return {
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    critical: (message, attributes) =>
      io.stderr.write(
        `critical: ${message} ${JSON.stringify({ ...attributes, error: String(attributes.error) })}\n`,
      ),
    addContext: ignore,
  };
}

async function backfillHere(values: Values, io: BackfillIo, signal?: AbortSignal): Promise<number> {
  const endpoint = values['endpoint-url'] ?? `http://127.0.0.1:${DEFAULT_DEV_PORT}`;
  const bucket = values.bucket ?? DEFAULT_DEV_BUCKET;
  const prefix = values.prefix ?? '';
  const concurrency = wholeNumber('concurrency', values.concurrency, 2, 1, 64);
  const modelDir = localModelDir(values.model, io.env);
  const config = functionConfig(io.env, modelDir);
  // s3rver checks signatures against its own key pair; real credentials win when they are set.
  const credentials =
    io.env.AWS_ACCESS_KEY_ID && io.env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: io.env.AWS_ACCESS_KEY_ID,
          secretAccessKey: io.env.AWS_SECRET_ACCESS_KEY,
          sessionToken: io.env.AWS_SESSION_TOKEN,
        }
      : LOCAL_S3_CREDENTIALS;
  const client = new S3Client({
    endpoint,
    region: io.env.AWS_REGION ?? LOCAL_S3_REGION,
    credentials,
    forcePathStyle: true,
    maxAttempts: 3,
  });
  io.stderr.write(`loading the model from ${modelDir} ...\n`);
  let classifier: Classifier | undefined;
  try {
    classifier = await loadClassifier({
      modelDir: config.modelDir,
      backend: config.backend,
      decoder: config.decoder,
      limits: { maxBytes: config.maxObjectBytes, maxPixels: config.maxPixels },
    });
    const handler = createFunctionHandler({
      store: new S3ObjectStore(client),
      classifier,
      logger: criticalOnly(io),
      metrics: NO_METRICS,
      config,
      print: () => undefined,
    });
    io.stderr.write(
      `backfill of s3://${bucket}/${prefix} at ${endpoint}: model ${classifier.model.name} on ${classifier.backend}, results under ${config.resultsBucket ?? bucket}/${config.resultsPrefix}${values.force ? ', classifying current ones too (--force)' : ', skipping objects whose result is current'}\n`,
    );
    let bar: SingleBar | undefined;
    const summary = await runLocalBackfill(
      { bucket, prefix, force: values.force, concurrency, signal, ...progress() },
      { s3: client, handler, exclude: [config.resultsPrefix] },
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
    classifier?.dispose();
    client.destroy();
  }
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
