import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCode, type ModelError } from '../../function/classifier/errors';
import { fileSystemHandler, locateModel } from '../../function/classifier/model-files';
import { buildTinyGraphModel, buildTinyMobileNet, tempDir } from '../support/tiny-models';

async function rejection(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    return error as ModelError;
  }
  throw new Error('expected a rejection');
}

function loadArtifacts(dir: string) {
  const { load } = fileSystemHandler(path.join(dir, 'model.json'));
  if (!load) throw new Error('the handler cannot load');
  return load();
}

describe('model files', () => {
  let layersDir: string;
  before(async () => {
    layersDir = await buildTinyMobileNet(tempDir());
  });

  it('finds model.json in the folder or in its tfjs/ subfolder', async () => {
    const parent = tempDir();
    await buildTinyMobileNet(path.join(parent, 'tfjs'));
    const located = await locateModel(parent);
    expect(located.path).to.equal(path.join(parent, 'tfjs', 'model.json'));
    expect(located.format).to.equal('layers-model');
    expect((await locateModel(layersDir)).path).to.equal(path.join(layersDir, 'model.json'));
  });

  it('tells graph models from layers models, also without a format field', async () => {
    const graphDir = buildTinyGraphModel(tempDir());
    expect((await locateModel(graphDir)).format).to.equal('graph-model');
    const json = JSON.parse(readFileSync(path.join(graphDir, 'model.json'), 'utf8'));
    delete json.format;
    writeFileSync(path.join(graphDir, 'model.json'), JSON.stringify(json));
    expect((await locateModel(graphDir)).format).to.equal('graph-model');
  });

  it('recognises a SavedModel folder', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'saved_model.pb'), '');
    mkdirSync(path.join(dir, 'variables'));
    expect((await locateModel(dir)).format).to.equal('saved-model');
  });

  it('names the missing directory', async () => {
    const error = await rejection(locateModel('/nonexistent/model-dir'));
    expect(error.code).to.equal(ErrorCode.MODEL_NOT_FOUND);
    expect(error.message).to.contain('/nonexistent/model-dir');
  });

  it('names a folder without a model', async () => {
    const error = await rejection(locateModel(tempDir()));
    expect(error.code).to.equal(ErrorCode.MODEL_NOT_FOUND);
    expect(error.message).to.match(/model\.json.*tfjs\/model\.json/);
  });

  it('names model.json when it is not valid JSON', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'model.json'), '{"format": "layers-model", ');
    const error = await rejection(locateModel(dir));
    expect(error.code).to.equal(ErrorCode.MODEL_INVALID);
    expect(error.message).to.contain(path.join(dir, 'model.json'));
  });

  it('rejects a manifest with unknown keys, naming the key', async () => {
    const dir = await buildTinyMobileNet(tempDir());
    writeFileSync(
      path.join(dir, 'lambdavision.json'),
      JSON.stringify({ inputSize: [32, 32], colour: 'rgb' }),
    );
    const error = await rejection(locateModel(dir));
    expect(error.code).to.equal(ErrorCode.MODEL_INVALID);
    expect(error.message).to.match(/lambdavision\.json.*colour/);
  });

  it('names a missing weight shard', async () => {
    const dir = await buildTinyMobileNet(tempDir());
    const shard = path.join(dir, 'group1-shard1of1.bin');
    writeFileSync(`${shard}.moved`, readFileSync(shard));
    truncateSync(shard, 0);
    writeFileSync(
      path.join(dir, 'model.json'),
      readFileSync(path.join(dir, 'model.json'), 'utf8').replace(
        'group1-shard1of1.bin',
        'group1-shard9of9.bin',
      ),
    );
    const error = await rejection(loadArtifacts(dir));
    expect(error.code).to.equal(ErrorCode.MODEL_NOT_FOUND);
    expect(error.message).to.contain('group1-shard9of9.bin');
  });

  it('names a truncated shard with the bytes it holds and needs', async () => {
    const dir = await buildTinyMobileNet(tempDir());
    const shard = path.join(dir, 'group1-shard1of1.bin');
    const size = readFileSync(shard).length;
    truncateSync(shard, size - 100);
    const error = await rejection(loadArtifacts(dir));
    expect(error.code).to.equal(ErrorCode.MODEL_INVALID);
    expect(error.message)
      .to.contain(shard)
      .and.to.contain(`hold ${size - 100} bytes`)
      .and.to.contain(`needs ${size}`);
  });

  it('counts uint8-quantized weights at one byte each', async () => {
    const dir = buildTinyGraphModel(tempDir(), { classes: 10 });
    const artifacts = await loadArtifacts(dir);
    expect((artifacts.weightData as ArrayBuffer).byteLength).to.equal(2 * 4 + 3 * 10);
  });
});
