import { expect } from 'chai';
import {
  committedTable,
  expandTemplate,
  expandUnavailable,
  type PolicyRow,
  policyRows,
  renderPolicyTable,
} from './support/policy-table';
import type { Json } from './support/project-files';

const key = (r: PolicyRow) => `${r.holder}/${r.policy}/${r.statement}`;

describe('template.yaml permissions, as CloudFormation receives them (after the SAM transform)', () => {
  let expanded: Json;
  let rows: PolicyRow[];
  let byKey: Map<string, PolicyRow>;

  before(function () {
    const missing = expandUnavailable();
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    expanded = expandTemplate();
    rows = policyRows(expanded);
    byKey = new Map(rows.map((r) => [key(r), r]));
  });

  it('are listed in docs/deploy.md exactly as generated (npx tsx test/template/support/policy-table.ts)', () => {
    expect(committedTable(), 'the table between the policy-table markers').to.equal(renderPolicyTable(rows));
  });

  it('never allow a wildcard action or a wildcard resource, except the TLS deny and AWS managed policies', () => {
    for (const r of rows.filter((row) => row.effect === 'Allow' && row.policy !== 'AWS managed')) {
      for (const action of r.actions) expect(action, key(r)).not.to.include('*');
      for (const resource of r.resources) {
        expect(resource, key(r)).not.to.equal('*');
        // A trailing * after a prefix parameter is the only wildcard: the prefixes admit none themselves.
        expect(resource.replace(/(Prefix>|manifests\/|reports\/|<bucket>\/)\*$/, ''), key(r)).not.to.include(
          '*',
        );
      }
    }
    expect(byKey.get('UploadBucketPolicy/bucket/DenyInsecureTransport')).to.include({ effect: 'Deny' });
  });

  it('give the function read on uploads and its results, write on results, keys of its bucket, its queue', () => {
    const fnRows = rows.filter((r) => r.holder === 'ClassifierFunctionRole' && r.policy !== 'trust');
    const grants = fnRows.map((r) => `${r.actions.join('+')} ${r.resources.join('+')}`);
    expect(grants).to.deep.equal([
      'sqs:SendMessage <FailureQueue>',
      's3:GetObject arn:aws:s3:::<bucket>/<UploadPrefix>*',
      's3:PutObject arn:aws:s3:::<bucket>/<ResultsPrefix>*',
      's3:GetObject arn:aws:s3:::<bucket>/<ResultsPrefix>*',
      's3:ListBucket arn:aws:s3:::<bucket>',
      '(as AWS defines it) ',
    ]);
    expect(fnRows.at(-1)?.statement).to.equal('service-role/AWSLambdaBasicExecutionRole');
  });

  it('let callers of the endpoint invoke the function only through its IAM-authenticated URL', () => {
    const policy = rows.filter((r) => r.holder === 'OnDemandInvokePolicy');
    expect(policy.map((r) => [r.actions, r.resources, r.condition])).to.deep.equal([
      [
        ['lambda:InvokeFunctionUrl'],
        ['<ClassifierFunction>'],
        'StringEquals lambda:FunctionUrlAuthType = AWS_IAM',
      ],
      [['lambda:InvokeFunction'], ['<ClassifierFunction>'], 'Bool lambda:InvokedViaFunctionUrl = true'],
    ]);
    // No resource-based grant widens it: the only function permission is S3's, from this account.
    const permissions = rows.filter((r) => r.policy === 'function (resource-based)');
    expect(permissions.map((r) => [r.principal, r.condition])).to.deep.equal([
      ['s3.amazonaws.com', 'source account = <account>'],
    ]);
  });

  it('trust S3 Batch Operations with the policy AWS documents, and read inventory only under its prefix', () => {
    const trust = expanded.Resources.BatchOperationsRole.Properties.AssumeRolePolicyDocument;
    expect(trust).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'batchoperations.s3.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    const batch = rows.filter((r) => r.holder === 'BatchOperationsRole' && r.policy === 'backfill');
    expect(batch.map((r) => [r.statement, r.resources, r.when])).to.deep.equal([
      ['InvokeClassifier', ['<ClassifierFunction>'], ''],
      ['ReadManifests', ['arn:aws:s3:::<bucket>/<BatchPrefix>manifests/*'], ''],
      ['WriteReports', ['arn:aws:s3:::<bucket>/<BatchPrefix>reports/*'], ''],
      ['LocateBucket', ['arn:aws:s3:::<bucket>'], ''],
      [
        'ReadInventoryManifests',
        ['arn:aws:s3:::<InventoryBucket>/<InventoryPrefix><bucket>/*'],
        'HasInventoryBucket',
      ],
      ['LocateInventoryBucket', ['arn:aws:s3:::<InventoryBucket>'], 'HasInventoryBucket'],
    ]);
  });
});
