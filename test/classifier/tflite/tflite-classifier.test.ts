import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { loadClassifier } from '../../../function/classifier/classifier';
import { ErrorCode, type ModelError } from '../../../function/classifier/errors';
import { locateModel } from '../../../function/classifier/model-files';
import { loadPredictor } from '../../../function/classifier/model-formats';
import { BuiltinOperator } from '../../../function/classifier/tflite/generated/tflite-schema';
import { rgbaPng } from '../../support/image-writers';
import { metadataWithLabels, writeTflite } from './tflite-writer';
import { channelMeans, mobileNetV3Like } from './tiny-tflite-models';

async function rejection(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    return error as ModelError;
  }
  throw new Error('expected a rejection');
}

/** A solid-colour PNG. */
function solid(rgb: [number, number, number], size = 8): Buffer {
  const data = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) data.set([...rgb, 255], i * 4);
  return rgbaPng({ width: size, height: size, data });
}

async function maxDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const value = (await d.data())[0] as number;
  d.dispose();
  return value;
}

describe('TensorFlow Lite classifiers', () => {
  let root: string;
  const folder = (name: string): string => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'lambdavision-tflite-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const quantized of [false, true]) {
    it(`runs a MobileNet v3-style graph (hard-swish, squeeze-excite, residual) with ${quantized ? 'int8 per-channel weights and a uint8 input' : 'float32 weights'} as its TF.js reference does`, async () => {
      // Prepare
      const { spec, reference } = mobileNetV3Like({ classes: 7, quantized });
      const dir = folder(`v3-${quantized}`);
      writeFileSync(path.join(dir, 'model.tflite'), writeTflite(spec));
      const predictor = await loadPredictor(await locateModel(dir));
      const input = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
      // Act
      const scores = predictor.predict(input);
      const features = predictor.embed?.(input);
      const want = reference(input);
      // Assess
      expect(scores.shape).to.deep.equal([2, 7]);
      expect(await maxDifference(scores, want.scores)).to.be.below(1e-5);
      expect(features?.shape, 'the penultimate features, one row per image').to.deep.equal([2, 8]);
      expect(await maxDifference(features as tf.Tensor, want.features)).to.be.below(1e-5);
      expect(predictor.facts?.inputRange).to.deep.equal(quantized ? [-1, 127 / 128] : undefined);
      tf.dispose([input, scores, features, want.scores, want.features]);
      predictor.dispose();
    });
  }

  it('classifies with a lone .tflite file, in a folder or named directly, and leaks no tensor over many calls', async () => {
    // Prepare
    const dir = folder('alone');
    const file = path.join(dir, 'tiny.tflite');
    writeFileSync(file, writeTflite(mobileNetV3Like({ classes: 1001, quantized: true }).spec));
    const image = solid([200, 30, 90]);
    for (const modelDir of [dir, file]) {
      const classifier = await loadClassifier({ modelDir });
      const before = tf.memory().numTensors;
      // Act
      for (let i = 0; i < 20; i++) await classifier.classify(image, { topK: 3 });
      const result = await classifier.classify(image, { topK: 3 });
      // Assess
      expect(tf.memory().numTensors, 'tensors after 21 calls').to.equal(before);
      expect(classifier.model).to.include({
        format: 'tflite',
        classes: 1000,
        backgroundClasses: 1,
        name: modelDir === file ? 'tiny' : 'alone',
      });
      expect(result.predictions).to.have.length(3);
      expect(result.predictions[0]?.label, 'ImageNet names for 1000 classes')
        .to.be.a('string')
        .and.not.match(/^class /);
      classifier.dispose();
    }
  });

  it('takes the input range from a quantized input tensor, and the manifest overrides it', async () => {
    // Prepare: outputs are the normalised channel means, so the logits show the range applied.
    const dir = folder('range');
    writeFileSync(
      path.join(dir, 'means.tflite'),
      writeTflite(channelMeans({ quantizedInput: { scale: 0.5, zeroPoint: 10 } })),
    );
    writeFileSync(path.join(dir, 'labels.txt'), 'red\ngreen\nblue\n');
    const image = solid([255, 0, 0]);
    const byLabel = async (modelDir: string) => {
      const classifier = await loadClassifier({ modelDir });
      const { predictions } = await classifier.classify(image, { topK: 3 });
      classifier.dispose();
      return Object.fromEntries(predictions.map((p) => [p.label, p.logit]));
    };
    // Act
    const fromQuantization = await byLabel(dir);
    writeFileSync(path.join(dir, 'lambdavision.json'), JSON.stringify({ inputRange: [0, 1] }));
    const fromManifest = await byLabel(dir);
    // Assess: uint8 0..255 with scale 0.5, zero point 10 stands for -5..122.5.
    expect(fromQuantization.red).to.be.closeTo(122.5, 1e-3);
    expect(fromQuantization.green).to.be.closeTo(-5, 1e-3);
    expect(fromManifest.red).to.be.closeTo(1, 1e-5);
    expect(fromManifest.green).to.be.closeTo(0, 1e-5);
  });

  it('reads labels and normalisation from TFLite Metadata and its appended zip; the manifest overrides them', async () => {
    // Prepare
    const dir = folder('metadata');
    const { metadata, zip } = metadataWithLabels({
      mean: [127.5],
      std: [127.5],
      labelFile: 'channels.txt',
      labels: ['rouge', 'vert', 'bleu'],
    });
    const model = writeTflite({ ...channelMeans(), metadata: { TFLITE_METADATA: metadata } });
    const file = path.join(dir, 'with-metadata.tflite');
    writeFileSync(file, Buffer.concat([model, zip]));
    // Act
    const classifier = await loadClassifier({ modelDir: file });
    const { predictions } = await classifier.classify(solid([255, 0, 0]), { topK: 3 });
    classifier.dispose();
    writeFileSync(path.join(dir, 'mine.txt'), 'r\ng\nb\n');
    writeFileSync(
      path.join(dir, 'lambdavision.json'),
      JSON.stringify({ labels: 'mine.txt', inputRange: [0, 255] }),
    );
    const overridden = await loadClassifier({ modelDir: dir });
    const second = await overridden.classify(solid([255, 0, 0]), { topK: 3 });
    overridden.dispose();
    // Assess: mean 127.5, std 127.5 maps 0..255 onto -1..1.
    const logits = Object.fromEntries(predictions.map((p) => [p.label, p.logit]));
    expect(classifier.model.labels).to.contain('channels.txt');
    expect(classifier.model.name).to.equal('tiny metadata classifier');
    expect(logits.rouge).to.be.closeTo(1, 1e-5);
    expect(logits.vert).to.be.closeTo(-1, 1e-5);
    expect(Object.fromEntries(second.predictions.map((p) => [p.label, p.logit]))).to.deep.include({
      r: 255,
      g: 0,
    });
  });

  it('refuses an unsupported operator with MODEL_INVALID, naming the operator and the file', async () => {
    const spec = channelMeans();
    const file = path.join(folder('tanh'), 'tanh.tflite');
    writeFileSync(
      file,
      writeTflite({ ...spec, ops: [...spec.ops, { op: BuiltinOperator.TANH, inputs: [4], outputs: [4] }] }),
    );
    const error = await rejection(loadClassifier({ modelDir: file }));
    expect(error.code).to.equal(ErrorCode.MODEL_INVALID);
    expect(error.message).to.contain('TANH').and.contain(file);
  });

  it('names a custom operator', async () => {
    const spec = channelMeans();
    const file = path.join(folder('custom'), 'custom.tflite');
    const ops = [
      ...spec.ops,
      { op: BuiltinOperator.CUSTOM, customCode: 'TFLite_Detection_PostProcess', inputs: [4], outputs: [4] },
    ];
    writeFileSync(file, writeTflite({ ...spec, ops }));
    const error = await rejection(loadClassifier({ modelDir: file }));
    expect(error.code).to.equal(ErrorCode.MODEL_INVALID);
    expect(error.message).to.contain('CUSTOM (TFLite_Detection_PostProcess)');
  });

  it('refuses truncated and corrupt files with MODEL_INVALID naming the file, and a missing one with MODEL_NOT_FOUND', async () => {
    const bytes = writeTflite(mobileNetV3Like({ classes: 5 }).spec);
    const dir = folder('damaged');
    const cases: Record<string, Uint8Array> = {
      'truncated.tflite': bytes.subarray(0, Math.floor(bytes.length * 0.6)),
      'header-only.tflite': bytes.subarray(0, 6),
      'garbage.tflite': new Uint8Array(bytes.length).fill(0x5a),
      // The right identifier, but every offset past it scrambled.
      'scrambled.tflite': Uint8Array.from(bytes, (b, i) => (i < 8 ? b : (b * 31 + i) & 0xff)),
    };
    for (const [name, content] of Object.entries(cases)) {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      const error = await rejection(loadClassifier({ modelDir: file }));
      expect(error.code, name).to.equal(ErrorCode.MODEL_INVALID);
      expect(error.message, name).to.contain(file);
    }
    const missing = await rejection(loadClassifier({ modelDir: path.join(dir, 'absent.tflite') }));
    expect(missing.code).to.equal(ErrorCode.MODEL_NOT_FOUND);
  });

  it('asks the manifest to choose when a folder holds several .tflite files', async () => {
    const dir = folder('several');
    const bytes = writeTflite(channelMeans());
    writeFileSync(path.join(dir, 'a.tflite'), bytes);
    writeFileSync(path.join(dir, 'b.tflite'), bytes);
    const error = await rejection(locateModel(dir));
    expect(error.code).to.equal(ErrorCode.MODEL_INVALID);
    expect(error.message).to.contain('a.tflite, b.tflite').and.contain('"model"');
    writeFileSync(path.join(dir, 'lambdavision.json'), JSON.stringify({ model: 'b.tflite' }));
    expect((await locateModel(dir)).path).to.equal(path.join(dir, 'b.tflite'));
  });
});
