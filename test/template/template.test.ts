import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  FUNCTION_ENTRY,
  FUNCTION_FILES,
  FUNCTION_HANDLER,
  FUNCTION_OUTPUT,
  LAMBDA_RUNTIME,
} from '../../scripts/lib/bundle-options';
import { type BuiltBundle, buildFunctionBundle } from '../../scripts/lib/function-bundle';
import { tempDir } from '../support/tiny-models';
import {
  type Json,
  LAYER_DIR,
  loadSamConfig,
  loadTemplate,
  makefileTargets,
  PROJECT_ROOT,
} from './support/project-files';

const template = loadTemplate();
const resources: Record<string, Json> = template.Resources;
const fn = resources.ClassifierFunction;
const layers = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Serverless::LayerVersion');
const statements: Json[] = fn.Properties.Policies.flatMap((p: Json) => p.Statement ?? []);

/** Every Ref and Fn::GetAtt target inside a value. */
function references(value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z]+)?\}/g)) out.add(m[1] as string);
        if (Array.isArray(v)) references(v[1], out);
      } else references(v, out);
    }
  }
  return out;
}

describe('template.yaml', () => {
  it('passes cfn-lint with no error, no warning and no informational finding', function () {
    // Prepare
    const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      console.log('      skipped: cfn-lint is not on PATH (pip install cfn-lint)');
      this.skip();
    }

    // Act
    // -c I: informational checks too (explicit deletion policies on stateful resources, ...).
    const lint = spawnSync('cfn-lint', ['-c', 'I', '--', 'template.yaml'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });

    // Assess
    expect(`${lint.stdout}${lint.stderr}`.trim(), 'cfn-lint output').to.equal('');
    expect(lint.status).to.equal(0);
  });

  describe('the function', () => {
    it('is built by the project Makefile, which bundles with scripts/lib/bundle-options.ts', () => {
      const { Metadata, Properties } = fn;
      expect(Metadata).to.deep.equal({ BuildMethod: 'makefile' });
      expect(Properties.CodeUri).to.equal('.');
      // SAM runs `make build-<LogicalId>` with the Makefile at the root of CodeUri.
      const makefile = path.join(PROJECT_ROOT, Properties.CodeUri, 'Makefile');
      expect(makefileTargets(makefile)).to.include('ClassifierFunction');
      expect(readFileSync(makefile, 'utf8')).to.include('scripts/lib/function-bundle.ts');
      expect(Properties.Handler).to.equal(FUNCTION_HANDLER);
      expect(Properties.Runtime).to.equal(LAMBDA_RUNTIME);
      expect(existsSync(path.join(PROJECT_ROOT, Properties.CodeUri, FUNCTION_ENTRY))).to.equal(true);
      // The bundle maps its own stack traces when the first is formatted; the flag would parse the map at init.
      expect(Properties.Environment.Variables.NODE_OPTIONS ?? '').not.to.include('--enable-source-maps');
    });

    it('make build-ClassifierFunction installs runtime packages and the pinned esbuild only, then writes the bundle', () => {
      // Prepare: npm replaced by a recorder, so the project's own node_modules serves the build.
      const dir = tempDir('lambdavision-function-make-');
      try {
        const log = path.join(dir, 'npm.log');
        const fakeNpm = path.join(dir, 'npm.cjs');
        writeFileSync(
          fakeNpm,
          `require('node:fs').appendFileSync(${JSON.stringify(log)}, process.argv.slice(2).join(' ') + '\\n');\n`,
        );
        const artifacts = path.join(dir, 'artifacts');

        // Act
        const run = spawnSync(
          'make',
          [
            '-s',
            'build-ClassifierFunction',
            `ARTIFACTS_DIR=${artifacts}`,
            `NPM=${process.execPath} ${fakeNpm}`,
          ],
          { cwd: PROJECT_ROOT, encoding: 'utf8' },
        );

        // Assess
        expect(run.status, `${run.stdout}${run.stderr}`).to.equal(0);
        const calls = readFileSync(log, 'utf8').trim().split('\n');
        const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
        expect(calls).to.have.length(2);
        expect(calls[0]).to.match(/^ci --omit=dev --ignore-scripts /);
        expect(calls[1]).to.match(/^install --no-save --omit=dev --ignore-scripts /);
        expect(calls[1]).to.match(
          new RegExp(` esbuild@${pkg.devDependencies.esbuild.replaceAll('.', '\\.')}$`),
        );
        expect(readdirSync(artifacts).sort()).to.deep.equal([...FUNCTION_FILES].sort());
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses large images before the memory runs out, and reads on demand only under chosen prefixes', () => {
      const vars = fn.Properties.Environment.Variables;
      expect(vars.MAX_PIXELS).to.deep.equal({ Ref: 'MaxPixels' });
      expect(vars.ON_DEMAND_PREFIXES).to.deep.equal({
        'Fn::If': [
          'HasOnDemandPrefixes',
          { 'Fn::Join': [',', { Ref: 'OnDemandPrefixes' }] },
          { Ref: 'UploadPrefix' },
        ],
      });
      expect(template.Parameters.OnDemandPrefixes.Default).to.equal('');
    });

    it('runs on nodejs24.x on the Architecture parameter’s CPU (x86_64 by default), like every layer it can attach', () => {
      expect(fn.Properties.Runtime).to.equal('nodejs24.x');
      expect(fn.Properties.Architectures).to.deep.equal([{ Ref: 'Architecture' }]);
      expect(template.Parameters.Architecture).to.include({ Default: 'x86_64' });
      expect(template.Parameters.Architecture.AllowedValues).to.deep.equal(['x86_64', 'arm64']);
      // The layers without native code follow the parameter; those with native code name their CPU, and
      // are created only for it (test/template/build-variables.test.ts).
      const architectures = {
        DecoderLayerArm64: ['arm64'],
        DecoderLayerX86: ['x86_64'],
        ModelLayer: [{ Ref: 'Architecture' }],
        TfjsNativeLayer: ['x86_64'],
        TfjsWasmLayer: [{ Ref: 'Architecture' }],
      };
      expect(layers.map(([id]) => id).sort()).to.deep.equal(Object.keys(architectures));
      for (const [id, layer] of layers) {
        expect(layer.Properties.CompatibleRuntimes, id).to.deep.equal(['nodejs24.x']);
        expect(layer.Properties.CompatibleArchitectures, id).to.deep.equal(
          architectures[id as keyof typeof architectures],
        );
        if (layer.Metadata?.BuildMethod) expect(layer.Metadata.BuildArchitecture, id).to.equal('x86_64');
      }
    });

    it('attaches the decoder layer (sharp) of its architecture and sets DECODER by the Decoder parameter, auto by default', () => {
      expect(template.Parameters.Decoder).to.include({ Default: 'auto' });
      expect(template.Parameters.Decoder.AllowedValues).to.deep.equal(['auto', 'sharp', 'jimp']);
      expect(template.Conditions.UseLibvips).to.deep.equal({
        'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Decoder' }, 'jimp'] }],
      });
      expect(template.Conditions.OnArm64).to.deep.equal({ 'Fn::Equals': [{ Ref: 'Architecture' }, 'arm64'] });
      expect(resources.DecoderLayerX86.Condition).to.equal('UseLibvipsOnX86');
      expect(resources.DecoderLayerArm64.Condition).to.equal('UseLibvipsOnArm64');
      expect(fn.Properties.Layers).to.deep.include({
        'Fn::If': [
          'UseLibvipsOnX86',
          { Ref: 'DecoderLayerX86' },
          { 'Fn::If': ['UseLibvipsOnArm64', { Ref: 'DecoderLayerArm64' }, { Ref: 'AWS::NoValue' }] },
        ],
      });
      expect(fn.Properties.Environment.Variables.DECODER).to.deep.equal({ Ref: 'Decoder' });
    });

    it('attaches the native or the wasm layer by the Backend parameter, wasm by default', () => {
      expect(template.Parameters.Backend).to.include({ Default: 'wasm' });
      expect(template.Parameters.Backend.AllowedValues).to.deep.equal(['wasm', 'native']);
      expect(template.Conditions.UseNative).to.deep.equal({ 'Fn::Equals': [{ Ref: 'Backend' }, 'native'] });
      expect(template.Conditions.UseWasm).to.deep.equal({ 'Fn::Equals': [{ Ref: 'Backend' }, 'wasm'] });
      expect(fn.Properties.Layers[0]).to.deep.equal({
        'Fn::If': ['UseNative', { Ref: 'TfjsNativeLayer' }, { Ref: 'TfjsWasmLayer' }],
      });
      expect(resources.TfjsNativeLayer.Condition).to.equal('UseNative');
      expect(resources.TfjsWasmLayer.Condition).to.equal('UseWasm');
      expect(fn.Properties.Environment.Variables.BACKEND).to.deep.equal({
        'Fn::If': ['UseNative', 'tensorflow', 'wasm'],
      });
    });

    it('reads the model from the model layer at /opt/model, or from a layer named by ModelLayerArn', () => {
      expect(fn.Properties.Environment.Variables.MODEL_DIR).to.equal('/opt/model');
      expect(fn.Properties.Layers[1]).to.deep.equal({
        'Fn::If': ['UseBundledModel', { Ref: 'ModelLayer' }, { Ref: 'ModelLayerArn' }],
      });
      expect(template.Conditions.UseBundledModel).to.deep.equal({
        'Fn::Equals': [{ Ref: 'ModelLayerArn' }, ''],
      });
    });

    it('passes memory, prefixes and top-k from parameters', () => {
      const vars = fn.Properties.Environment.Variables;
      expect(fn.Properties.MemorySize).to.deep.equal({ Ref: 'MemorySize' });
      expect(vars.UPLOAD_PREFIX).to.deep.equal({ Ref: 'UploadPrefix' });
      expect(vars.RESULTS_PREFIX).to.deep.equal({ Ref: 'ResultsPrefix' });
      expect(vars.TOP_K).to.deep.equal({ Ref: 'TopK' });
      for (const name of [
        'MemorySize',
        'UploadPrefix',
        'ResultsPrefix',
        'TopK',
        'Backend',
        'ModelLayerArn',
      ]) {
        expect(template.Parameters, name).to.have.property(name);
      }
    });
  });

  describe('permissions', () => {
    const bucketName = resources.UploadBucket.Properties.BucketName;
    const [bucketText, bucketVars] = bucketName['Fn::Sub'];

    it("read the upload prefix and the function's own results, write the results prefix, list keys only", () => {
      expect(statements.map((s: { Sid: string }) => s.Sid)).to.deep.equal([
        'ReadUploads',
        'WriteResults',
        'ReadOwnResults',
        'ListOwnBucket',
      ]);
      for (const s of statements) {
        expect(s.Effect).to.equal('Allow');
        expect(s.Action, 'one action, no wildcard').to.be.a('string').and.not.include('*');
      }
      const [read, write, readResults, list] = statements;
      const objects = (prefix: string) => ({
        'Fn::Sub': [`arn:\${AWS::Partition}:s3:::${bucketText}/\${${prefix}}*`, bucketVars],
      });
      expect(read.Action).to.equal('s3:GetObject');
      expect(read.Resource).to.deep.equal(objects('UploadPrefix'));
      expect(write.Action).to.equal('s3:PutObject');
      expect(write.Resource).to.deep.equal(objects('ResultsPrefix'));
      // Backfill's skip-if-current reads the headers of results the function wrote.
      expect(readResults.Action).to.equal('s3:GetObject');
      expect(readResults.Resource).to.deep.equal(objects('ResultsPrefix'));
      // ListBucket on the bucket alone (no object access): a missing key answers 404 instead of 403.
      expect(list.Action).to.equal('s3:ListBucket');
      expect(list.Resource).to.deep.equal({
        'Fn::Sub': [`arn:\${AWS::Partition}:s3:::${bucketText}`, bucketVars],
      });
    });

    it('let S3 Batch Operations invoke the function, read manifests and write reports, nothing else', () => {
      const role = resources.BatchOperationsRole.Properties;
      const principal = role.AssumeRolePolicyDocument.Statement[0].Principal.Service;
      expect(principal).to.equal('batchoperations.s3.amazonaws.com');
      const batch = role.Policies[0].PolicyDocument.Statement.filter((s: { Sid?: string }) => s.Sid);
      expect(batch.map((s: { Sid: string }) => s.Sid)).to.deep.equal([
        'InvokeClassifier',
        'ReadManifests',
        'WriteReports',
        'LocateBucket',
      ]);
      expect(JSON.stringify(batch[1].Resource)).to.contain(`\${BatchPrefix}manifests/*`);
      expect(JSON.stringify(batch[2].Resource)).to.contain(`\${BatchPrefix}reports/*`);
    });

    it('serve the on-demand endpoint as a Function URL signed with IAM', () => {
      expect(fn.Properties.FunctionUrlConfig).to.deep.equal({ AuthType: 'AWS_IAM', InvokeMode: 'BUFFERED' });
      expect(template.Outputs).to.have.property('ClassifierFunctionUrl');
    });

    it('name the bucket without referring to the bucket resource, so nothing is circular', () => {
      // The bucket depends on the function (its notification); the function must not depend on the bucket.
      const { Events, ...rest } = fn.Properties;
      expect([...references(rest)]).not.to.include('UploadBucket');
      expect(Events.Upload.Properties.Bucket).to.deep.equal({ Ref: 'UploadBucket' });
      expect(
        [...references(bucketName)].filter((r) => !r.startsWith('AWS::') && r !== 'StackSuffix'),
      ).to.deep.equal([]);
    });
  });

  describe('the trigger', () => {
    it('fires on objects created under the upload prefix only', () => {
      const upload = fn.Properties.Events.Upload;
      expect(upload.Type).to.equal('S3');
      expect(upload.Properties.Events).to.equal('s3:ObjectCreated:*');
      expect(upload.Properties.Filter.S3Key.Rules).to.deep.equal([
        { Name: 'prefix', Value: { Ref: 'UploadPrefix' } },
      ]);
    });

    it('never fires for the results the function writes, with the default prefixes', () => {
      const uploads: string = template.Parameters.UploadPrefix.Default;
      const results: string = template.Parameters.ResultsPrefix.Default;
      // Result key: <RESULTS_PREFIX><original key>.json (CONTEXT.md).
      const resultKey = `${results}${uploads}photo.jpg.json`;
      expect(resultKey.startsWith(uploads)).to.equal(false);
      expect(results.startsWith(uploads)).to.equal(false);
    });

    it('refuses a deployment whose results prefix equals the upload prefix', () => {
      const [assertion] = template.Rules.ResultsOutsideUploads.Assertions;
      expect(assertion.Assert).to.deep.equal({
        'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'UploadPrefix' }, { Ref: 'ResultsPrefix' }] }],
      });
      for (const name of ['UploadPrefix', 'ResultsPrefix']) {
        const re = new RegExp(template.Parameters[name].AllowedPattern);
        expect(re.test(''), `${name} empty`).to.equal(false);
        expect(re.test('uploads'), `${name} without /`).to.equal(false);
        expect(re.test(template.Parameters[name].Default), `${name} default`).to.equal(true);
      }
    });
  });

  describe('the bucket', () => {
    const bucket = resources.UploadBucket.Properties;

    it('is encrypted, blocks public access and denies requests without TLS', () => {
      expect(
        bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
          .SSEAlgorithm,
      ).to.equal('AES256');
      expect(bucket.PublicAccessBlockConfiguration).to.deep.equal({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policy = resources.UploadBucketPolicy.Properties;
      expect(policy.Bucket).to.deep.equal({ Ref: 'UploadBucket' });
      expect(policy.PolicyDocument.Statement).to.deep.include({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [{ 'Fn::GetAtt': ['UploadBucket', 'Arn'] }, { 'Fn::Sub': `\${UploadBucket.Arn}/*` }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    });
  });

  describe('operations', () => {
    it('retries an asynchronous event at most twice, then sends it to the failure queue', () => {
      const config = fn.Properties.EventInvokeConfig;
      expect(config.MaximumRetryAttempts).to.be.at.most(2);
      expect(config.DestinationConfig.OnFailure).to.deep.equal({
        Type: 'SQS',
        Destination: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] },
      });
      expect(resources.FailureQueue.Type).to.equal('AWS::SQS::Queue');
    });

    it("keeps the function's logs in a log group with retention, created before the function", () => {
      const group = resources.ClassifierLogGroup;
      expect(group.Properties.RetentionInDays).to.deep.equal({ Ref: 'LogRetentionInDays' });
      expect(group.Properties.LogGroupName).to.deep.equal({
        'Fn::Sub': `/aws/lambda/${fn.Properties.FunctionName['Fn::Sub']}`,
      });
      expect(fn.Properties.LoggingConfig.LogGroup).to.deep.equal({ Ref: 'ClassifierLogGroup' });
    });

    it('keeps the failure queue and the bucket policy when the stack is deleted or they are replaced', () => {
      for (const id of ['UploadBucket', 'UploadBucketPolicy', 'FailureQueue']) {
        expect(resources[id], id).to.include({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    });

    it('alarms on a failure queue with messages, function errors and throttles, to a topic with an optional e-mail', () => {
      const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
      const watched = alarms.map(([, a]) => [a.Properties.Namespace, a.Properties.MetricName]).sort();
      expect(watched).to.deep.equal([
        ['AWS/Lambda', 'Errors'],
        ['AWS/Lambda', 'Throttles'],
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
      ]);
      for (const [id, { Properties: a }] of alarms) {
        expect(a, id).to.include({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
        expect(a.AlarmActions, id).to.deep.equal([{ Ref: 'AlarmTopic' }]);
        const [dimension] = a.Dimensions;
        expect(dimension.Value, id).to.deep.equal(
          a.Namespace === 'AWS/SQS'
            ? { 'Fn::GetAtt': ['FailureQueue', 'QueueName'] }
            : { Ref: 'ClassifierFunction' },
        );
      }
      expect(resources.AlarmEmailSubscription).to.deep.include({
        Condition: 'HasAlarmEmail',
        Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: { Ref: 'AlarmEmail' } },
      });
      expect(template.Parameters.AlarmEmail.Default).to.equal('');
    });

    it('reserves concurrency only when asked', () => {
      expect(template.Parameters.ReservedConcurrency.Default).to.equal(0);
      expect(fn.Properties.ReservedConcurrentExecutions).to.deep.equal({
        'Fn::If': ['HasReservedConcurrency', { Ref: 'ReservedConcurrency' }, { Ref: 'AWS::NoValue' }],
      });
    });

    it('outputs the bucket, the function and the failure queue', () => {
      expect(template.Outputs.UploadBucketName.Value).to.deep.equal({ Ref: 'UploadBucket' });
      expect(template.Outputs.ClassifierFunctionName.Value).to.deep.equal({ Ref: 'ClassifierFunction' });
      expect(template.Outputs.FailureQueueUrl.Value).to.deep.equal({ Ref: 'FailureQueue' });
    });
  });

  describe('layers and layer/Makefile', () => {
    it('has a build-<LogicalId> target for every layer, and no target without a layer', () => {
      const targets = makefileTargets();
      expect([...targets].sort()).to.deep.equal(layers.map(([id]) => id).sort());
      for (const [id, layer] of layers.filter(([, l]) => l.Metadata?.BuildMethod)) {
        expect(layer.Metadata.BuildMethod, id).to.equal('makefile');
        expect(layer.Properties.ContentUri, id).to.equal('layer/');
        expect(existsSync(path.join(LAYER_DIR, 'Makefile'))).to.equal(true);
      }
    });

    it('builds the model layer on the host, from the folder `make -C layer model-layer` fills', () => {
      const model = resources.ModelLayer;
      expect(model.Metadata?.BuildMethod).to.equal(undefined);
      expect(model.Properties.ContentUri).to.equal('.lambdavision/model-layer/');
    });
  });

  describe('the handler named by the template', () => {
    let bundle: BuiltBundle;
    before(async () => {
      bundle = await buildFunctionBundle(tempDir('lambdavision-template-bundle-'));
    });

    it('exists in the build output, with its source map', () => {
      const [module, exported] = fn.Properties.Handler.split('.');
      expect(`${module}.js`).to.equal(FUNCTION_OUTPUT);
      expect(existsSync(path.join(bundle.dir, `${module}.js`))).to.equal(true);
      expect(bundle.mapBytes).to.be.greaterThan(0);
      expect(exported).to.equal('handler');
    });
  });

  describe('samconfig.toml', () => {
    const config = loadSamConfig();

    it('builds in the container, cached and in parallel', () => {
      expect(config['default.build.parameters']).to.include({
        use_container: true,
        cached: true,
        parallel: true,
      });
    });

    it('deploys with a stack name, IAM capability, a managed artifact bucket and a confirmed change set', () => {
      expect(config['default.global.parameters']?.stack_name)
        .to.be.a('string')
        .and.match(/^[a-z][a-z0-9-]*$/);
      const deploy = config['default.deploy.parameters'] ?? {};
      expect(deploy).to.include({
        capabilities: 'CAPABILITY_IAM',
        resolve_s3: true,
        confirm_changeset: true,
      });
      const overrides = String(deploy.parameter_overrides);
      for (const pair of overrides.split(' ')) {
        const [name] = pair.split('=');
        expect(template.Parameters, `override ${pair}`).to.have.property(name as string);
      }
      expect(overrides).to.include('Backend=wasm');
    });

    it('points local invoke at the event fixture and env file, and logs at the function', () => {
      const invoke = config['default.local_invoke.parameters'] ?? {};
      expect(invoke.event).to.equal('events/s3-put.json');
      expect(invoke.env_vars).to.equal('events/env.json');
      for (const file of [invoke.event, invoke.env_vars]) {
        expect(existsSync(path.join(PROJECT_ROOT, String(file))), String(file)).to.equal(true);
      }
      expect(config['default.logs.parameters']).to.deep.equal({ name: 'ClassifierFunction', tail: true });
      // sam local invoke reads the real S3: the default event names AWS's placeholder bucket, never a
      // name someone may own.
      const event = JSON.parse(readFileSync(path.join(PROJECT_ROOT, String(invoke.event)), 'utf8'));
      expect(event.Records.map((r: Json) => r.s3.bucket.name)).to.deep.equal(['amzn-s3-demo-bucket']);
      expect(event.Records[0].s3.bucket.arn).to.equal('arn:aws:s3:::amzn-s3-demo-bucket');
    });

    it('builds for the backend it deploys and invokes with (wasm), and sets no other build variable', () => {
      // A --container-env-var on the command line replaces this list: layer/Makefile then refuses to guess.
      expect(config['default.build.parameters']?.container_env_var).to.deep.equal([
        'LAMBDAVISION_BACKEND=wasm',
      ]);
      expect(template.Parameters.Backend.Default).to.equal('wasm');
      for (const section of ['default.deploy.parameters', 'default.local_invoke.parameters']) {
        expect(String(config[section]?.parameter_overrides).split(' '), section).to.include('Backend=wasm');
      }
    });
  });
});
