import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { BenchUsageError, parseBenchArgs } from '../../bench/lib/args';
import { tempDir } from '../support/tiny-models';

function sharedFolder(): string {
  const shared = tempDir('lambdavision-shared-');
  mkdirSync(path.join(shared, 'models', 'mobilenet_v2_1.0_224_quant', 'tflite'), { recursive: true });
  writeFileSync(path.join(shared, 'models', 'mobilenet_v2_1.0_224_quant', 'tflite', 'model.tflite'), '');
  mkdirSync(path.join(shared, 'models', 'test-images'), { recursive: true });
  mkdirSync(path.join(shared, 'images'), { recursive: true });
  return shared;
}

describe('bench command line', () => {
  it('finds the model, photos and labelled images under LAMBDAVISION_SHARED', () => {
    // Prepare
    const shared = sharedFolder();

    // Act
    const options = parseBenchArgs(['--quick'], { LAMBDAVISION_SHARED: shared }, '/');

    // Assess
    expect(options).to.include({
      quick: true,
      publish: false,
      modelDir: path.join(shared, 'models', 'mobilenet_v2_1.0_224_quant'),
      // Ours runs the model's TFLite file, the format the default model deploys in.
      deployedModelDir: path.join(shared, 'models', 'mobilenet_v2_1.0_224_quant', 'tflite'),
      photosDir: path.join(shared, 'images'),
      labelledDir: path.join(shared, 'models', 'test-images'),
    });
  });

  it('names the variable to set when no shared folder can be found', () => {
    // Prepare
    const cwd = tempDir('lambdavision-empty-');

    // Act
    const act = () => parseBenchArgs([], {}, cwd);

    // Assess
    expect(act).to.throw(BenchUsageError, /LAMBDAVISION_SHARED/);
  });

  it('rejects an unknown flag as a usage error', () => {
    // Act
    const act = () => parseBenchArgs(['--fast'], { LAMBDAVISION_SHARED: sharedFolder() }, '/');

    // Assess
    expect(act).to.throw(BenchUsageError, /fast/);
  });

  it('returns nothing for --help so the entry prints the usage', () => {
    // Act
    const options = parseBenchArgs(['--help'], {}, '/');

    // Assess
    expect(options).to.equal(undefined);
  });

  it('renders an earlier run without needing the shared folder, writing beside its JSON', () => {
    // Prepare
    const dir = tempDir('lambdavision-render-');
    const json = path.join(dir, 'run.json');
    writeFileSync(json, '{}');

    // Act
    const options = parseBenchArgs(['--render', json, '--publish'], {}, '/');

    // Assess
    expect(options).to.include({ render: json, outDir: dir, publish: true });
  });

  it('refuses to render a results file that does not exist', () => {
    // Act
    const act = () => parseBenchArgs(['--render', '/nonexistent/run.json'], {}, '/');

    // Assess
    expect(act).to.throw(BenchUsageError, /--render/);
  });
});
