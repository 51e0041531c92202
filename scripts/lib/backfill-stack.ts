import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError } from '../cli/cli-error';

/**
 * What `backfill --create-job` needs from the deployed stack, read with the CloudFormation API instead of
 * assumed: the bucket, the prefixes (the batch prefix is a parameter, `batch/` only by default), the role
 * Batch Operations assumes and the function it invokes. template.yaml's Outputs carry each of them.
 */
export interface BackfillStack {
  stackName: string;
  bucket: string;
  batchPrefix: string;
  resultsPrefix: string;
  roleArn: string;
  functionArn: string;
  /** The account that owns the stack (from its id). */
  accountId: string;
  region: string;
}

/** The stack outputs read, by template.yaml's output names. */
export const STACK_OUTPUTS = {
  bucket: 'UploadBucketName',
  batchPrefix: 'BatchPrefix',
  resultsPrefix: 'ResultsPrefix',
  roleArn: 'BatchOperationsRoleArn',
  functionArn: 'ClassifierFunctionArn',
} as const;

type CloudFormationLike = Pick<CloudFormationClient, 'send'>;

/** Reads the stack's outputs; a missing stack or output is a CliError that says which. */
export async function readBackfillStack(
  cloudformation: CloudFormationLike,
  stackName: string,
): Promise<BackfillStack> {
  let found: { StackId?: string; Outputs?: Array<{ OutputKey?: string; OutputValue?: string }> } | undefined;
  try {
    const answer = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    found = answer.Stacks?.[0];
  } catch (cause) {
    const e = cause as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/.test(e.message ?? '')) {
      throw new CliError(
        `no stack "${stackName}" in this region: pass --stack NAME (and --region) of the deployed stack`,
      );
    }
    throw cause;
  }
  if (!found) throw new CliError(`no stack "${stackName}" in this region`);
  const outputs = new Map((found.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const value = (name: string): string => {
    const v = outputs.get(name);
    if (!v) {
      throw new CliError(
        `stack "${stackName}" has no output ${name}: deploy the current template.yaml, or pass the value with its flag`,
      );
    }
    return v;
  };
  // arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID
  const [, , , region = '', accountId = ''] = (found.StackId ?? '').split(':');
  return {
    stackName,
    bucket: value(STACK_OUTPUTS.bucket),
    batchPrefix: value(STACK_OUTPUTS.batchPrefix),
    resultsPrefix: value(STACK_OUTPUTS.resultsPrefix),
    roleArn: value(STACK_OUTPUTS.roleArn),
    functionArn: value(STACK_OUTPUTS.functionArn),
    accountId,
    region,
  };
}
