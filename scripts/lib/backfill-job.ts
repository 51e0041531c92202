import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  type CreateJobCommandOutput,
  type CreateJobRequest,
  type JobManifest,
} from '@aws-sdk/client-s3-control';
import { bareEtag } from '../../function/lambda';
import { CliError } from '../cli/cli-error';
import { type BackfillS3, listObjects, manifestLine } from './backfill-listing';

/** The S3 Control call the job needs; an S3ControlClient is one, tests hand in a recorder. */
export interface BackfillS3Control {
  send(command: CreateJobCommand): Promise<CreateJobCommandOutput>;
}

export interface BackfillJobOptions {
  bucket: string;
  prefix: string;
  accountId: string;
  roleArn: string;
  functionArn: string;
  /** s3://bucket/key of an S3 Inventory manifest.json (CSV inventory); a manifest is generated otherwise. */
  inventoryManifest?: string;
  /** Where the generated CSV manifest is written, in `bucket`. */
  manifestPrefix: string;
  reportBucket: string;
  reportPrefix: string;
  reportScope: 'AllTasks' | 'FailedTasksOnly';
  priority: number;
  /** Start at once; otherwise the job waits (Suspended) for `update-job-status --requested-job-status Ready`. */
  start: boolean;
  /** Classify objects whose result is already current too (userArguments skipCurrent=false). */
  force: boolean;
  /** Key prefixes left out of a generated manifest: the function's results. */
  exclude: string[];
}

export interface BackfillJobDeps {
  s3: BackfillS3;
  s3control: BackfillS3Control;
  now?: () => Date;
  /** CreateJob's idempotency token. */
  token?: () => string;
}

export interface CreatedJob {
  jobId: string;
  region: string;
  /** Objects listed into a generated manifest; undefined for an inventory report. */
  objects: number | undefined;
  manifest: { bucket: string; key: string; etag: string; format: 'csv' | 'inventory' };
  request: CreateJobRequest;
  /** Commands that confirm, watch and read the job. */
  commands: { confirm?: string; watch: string; report: string };
}

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:[\w-]+(:[\w$-]+)?$/;

/** Checks the identifiers up front: a typo is cheaper to hear about here than from a failed job. */
export function checkJobOptions(options: BackfillJobOptions): { partition: string; region: string } {
  if (!ACCOUNT_ID.test(options.accountId)) {
    throw new CliError(`--account-id must be a 12-digit AWS account id, got "${options.accountId}"`);
  }
  if (!ROLE_ARN.test(options.roleArn)) {
    throw new CliError(
      `--role-arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), got "${options.roleArn}"`,
    );
  }
  const fn = FUNCTION_ARN.exec(options.functionArn);
  if (!fn) {
    throw new CliError(
      `--function-arn must be a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS]), got "${options.functionArn}"`,
    );
  }
  if (!Number.isInteger(options.priority) || options.priority < 0 || options.priority > 2147483647) {
    throw new CliError(`--priority must be a whole number from 0 to 2147483647, got "${options.priority}"`);
  }
  return { partition: fn[1] ?? 'aws', region: fn[2] ?? '' };
}

function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match?.[1] || !match[2])
    throw new CliError(`--manifest must be s3://BUCKET/KEY/manifest.json, got "${url}"`);
  return { bucket: match[1], key: match[2] };
}

const stamp = (date: Date): string => date.toISOString().replace(/[:.]/g, '-');

/**
 * Creates an S3 Batch Operations job that invokes the function (LambdaInvoke, invocation schema 2.0) on
 * every object under the prefix: from a CSV manifest generated here (ListObjectsV2, written to the
 * bucket) or from an S3 Inventory report. The job reports to `reportBucket/reportPrefix`.
 */
export async function createBackfillJob(
  options: BackfillJobOptions,
  deps: BackfillJobDeps,
): Promise<CreatedJob> {
  const { partition, region } = checkJobOptions(options);
  const now = deps.now ?? (() => new Date());
  const arn = (bucket: string, key?: string) =>
    `arn:${partition}:s3:::${bucket}${key === undefined ? '' : `/${key}`}`;

  let manifest: JobManifest;
  let located: CreatedJob['manifest'];
  let objects: number | undefined;
  if (options.inventoryManifest) {
    const { bucket, key } = parseS3Url(options.inventoryManifest);
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const etag = bareEtag(head.ETag);
    if (!etag) throw new CliError(`s3://${bucket}/${key} has no ETag`);
    located = { bucket, key, etag, format: 'inventory' };
    manifest = {
      Spec: { Format: 'S3InventoryReport_CSV_20161130' },
      Location: { ObjectArn: arn(bucket, key), ETag: etag },
    };
  } else {
    const lines: string[] = [];
    for await (const object of listObjects(deps.s3, options.bucket, options.prefix, options.exclude)) {
      lines.push(manifestLine(options.bucket, object.key));
    }
    if (lines.length === 0) {
      throw new CliError(`no objects under s3://${options.bucket}/${options.prefix}: nothing to backfill`);
    }
    objects = lines.length;
    const key = `${options.manifestPrefix}backfill-${stamp(now())}.csv`;
    const put = await deps.s3.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: key,
        Body: lines.join(''),
        ContentType: 'text/csv',
      }),
    );
    const etag = bareEtag(put.ETag);
    if (!etag) throw new CliError(`writing the manifest s3://${options.bucket}/${key} returned no ETag`);
    located = { bucket: options.bucket, key, etag, format: 'csv' };
    manifest = {
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
      Location: { ObjectArn: arn(options.bucket, key), ETag: etag },
    };
  }

  const request: CreateJobRequest = {
    AccountId: options.accountId,
    ConfirmationRequired: !options.start,
    ClientRequestToken: (deps.token ?? randomUUID)(),
    Description: `LambdaVision backfill of s3://${options.bucket}/${options.prefix}`.slice(0, 256),
    Priority: options.priority,
    RoleArn: options.roleArn,
    Operation: {
      LambdaInvoke: {
        FunctionArn: options.functionArn,
        // 2.0: the bucket by name, and userArguments (the function reads skipCurrent).
        InvocationSchemaVersion: '2.0',
        UserArguments: { skipCurrent: options.force ? 'false' : 'true' },
      },
    },
    Manifest: manifest,
    Report: {
      Bucket: arn(options.reportBucket),
      Prefix: options.reportPrefix,
      Format: 'Report_CSV_20180820',
      Enabled: true,
      ReportScope: options.reportScope,
    },
  };
  const created = await deps.s3control.send(new CreateJobCommand(request));
  if (!created.JobId) throw new Error('CreateJob returned no JobId');
  const jobId = created.JobId;
  const base = `--account-id ${options.accountId} --job-id ${jobId} --region ${region}`;
  return {
    jobId,
    region,
    objects,
    manifest: located,
    request,
    commands: {
      ...(options.start
        ? {}
        : { confirm: `aws s3control update-job-status ${base} --requested-job-status Ready` }),
      watch: `aws s3control describe-job ${base} --query 'Job.{Status:Status,Progress:ProgressSummary,Failures:FailureReasons}'`,
      report: `aws s3 ls s3://${options.reportBucket}/${options.reportPrefix.replace(/\/$/, '')}/job-${jobId}/ --recursive`,
    },
  };
}
