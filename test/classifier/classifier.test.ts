import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import {
  type Classifier,
  ErrorCode,
  formatOriginalLine,
  type LambdaVisionError,
  loadClassifier,
} from '../../function/classifier';
import {
  photosDir,
  realModelDir,
  requireShared,
  sharedModelDir,
  testImagesDir,
} from '../support/shared-data';
import { buildTinyGraphModel, buildTinyMobileNet, buildTinyResNet, tempDir } from '../support/tiny-models';

async function rejection(promise: Promise<unknown>): Promise<LambdaVisionError> {
  try {
    await promise;
  } catch (error) {
    return error as LambdaVisionError;
  }
  throw new Error('expected a rejection');
}

describe('classifier', () => {
  let png: Buffer;
  before(async () => {
    const image = new Jimp({ width: 64, height: 48, color: 0x3366ccff });
    png = await image.getBuffer('image/png');
  });

  describe('with models the tests build', () => {
    it('loads a MobileNet-style layers model with a background class and reports everything', async () => {
      const classifier = await loadClassifier({
        modelDir: await buildTinyMobileNet(tempDir()),
        backend: 'wasm',
      });
      const result = await classifier.classify(png, { topK: 3 });
      expect(classifier.model).to.include({
        format: 'layers-model',
        classes: 1000,
        backgroundClasses: 1,
        output: 'probabilities',
      });
      expect(classifier.model.inputSize).to.deep.equal([32, 32]);
      expect(result.backend).to.equal('wasm');
      expect(result.predictions).to.have.length(3);
      expect(result.image).to.deep.equal({ format: 'png', width: 64, height: 48, bytes: png.length });
      for (const p of result.predictions) expect(p.classId).to.be.within(0, 999);
      const { decodeMs, preprocessMs, inferenceMs, totalMs } = result.timings;
      expect(totalMs).to.be.at.least(decodeMs + preprocessMs + inferenceMs - 0.1);
      classifier.dispose();
    });

    it('loads a ResNet-style model that emits logits and applies softmax', async () => {
      const classifier = await loadClassifier({
        modelDir: await buildTinyResNet(tempDir()),
        backend: 'wasm',
      });
      const result = await classifier.classify(png, { topK: 100 });
      expect(classifier.model).to.include({ output: 'logits', backgroundClasses: 0, classes: 1000 });
      expect(result.predictions[0]?.logit).to.be.a('number');
      const sum = result.predictions.reduce((s, p) => s + p.probability, 0);
      expect(sum)
        .to.be.greaterThan(0)
        .and.at.most(1 + 1e-6);
      classifier.dispose();
    });

    it('loads a graph model with uint8-quantized weights', async () => {
      const classifier = await loadClassifier({ modelDir: buildTinyGraphModel(tempDir()), backend: 'wasm' });
      expect(classifier.model).to.include({ format: 'graph-model', classes: 1000, backgroundClasses: 1 });
      expect((await classifier.classify(png)).predictions).to.have.length(5);
      classifier.dispose();
    });

    it('takes model facts from lambdavision.json', async () => {
      const dir = await buildTinyMobileNet(tempDir(), { classes: 3 });
      writeFileSync(path.join(dir, 'labels.txt'), 'red\ngreen\nblue\n');
      writeFileSync(
        path.join(dir, 'lambdavision.json'),
        JSON.stringify({
          name: 'colours',
          labels: 'labels.txt',
          backgroundClasses: 0,
          resize: 'stretch',
          inputRange: [0, 1],
        }),
      );
      const classifier = await loadClassifier({ modelDir: dir, backend: 'wasm' });
      expect(classifier.model).to.include({ name: 'colours', classes: 3, resize: 'stretch' });
      const labels = (await classifier.classify(png, { topK: 3 })).predictions.map((p) => p.label).sort();
      expect(labels).to.deep.equal(['blue', 'green', 'red']);
      classifier.dispose();
    });

    it('leaks no tensor over many classifications', async () => {
      const classifier = await loadClassifier({
        modelDir: await buildTinyMobileNet(tempDir()),
        backend: 'wasm',
      });
      await classifier.classify(png);
      const baseline = tf.memory().numTensors;
      for (let i = 0; i < 50; i++) await classifier.classify(png);
      await rejection(classifier.classify(Buffer.from('not an image')));
      expect(tf.memory().numTensors).to.equal(baseline);
      classifier.dispose();
    });

    it('refuses bad options and bad images with stable codes', async () => {
      const classifier = await loadClassifier({
        modelDir: await buildTinyMobileNet(tempDir()),
        backend: 'wasm',
      });
      expect((await rejection(classifier.classify(png, { topK: 0 }))).code).to.equal(
        ErrorCode.INVALID_OPTION,
      );
      expect((await rejection(classifier.classify(png, { minConfidence: 2 }))).code).to.equal(
        ErrorCode.INVALID_OPTION,
      );
      expect((await rejection(classifier.classify(png.subarray(0, 60)))).code).to.equal(
        ErrorCode.CORRUPT_IMAGE,
      );
      classifier.dispose();
    });

    it('fails clearly when the native backend is not installed', async () => {
      const error = await rejection(loadClassifier({ modelDir: tempDir(), backend: 'tensorflow' }));
      expect(error.code).to.equal(ErrorCode.BACKEND_UNAVAILABLE);
      expect(error.message).to.contain('@tensorflow/tfjs-node');
    });

    it('runs a SavedModel only on the native backend, and says so', async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'saved_model.pb'), '');
      const error = await rejection(loadClassifier({ modelDir: dir, backend: 'wasm' }));
      expect(error.code).to.equal(ErrorCode.MODEL_INVALID);
      expect(error.message).to.match(/only the "tensorflow" backend/);
    });

    it('refuses a label list that does not fit the model', async () => {
      const dir = await buildTinyMobileNet(tempDir());
      writeFileSync(path.join(dir, 'labels.json'), JSON.stringify(['a', 'b']));
      const error = await rejection(loadClassifier({ modelDir: dir, backend: 'wasm' }));
      expect(error.code).to.equal(ErrorCode.LABELS_MISMATCH);
      expect(error.message).to.contain(path.join(dir, 'labels.json'));
    });
  });

  describe('with the real default model', () => {
    let classifier: Classifier;
    let images: string;
    before(async function () {
      const modelDir = requireShared(this, realModelDir());
      images = requireShared(this, testImagesDir());
      classifier = await loadClassifier({ modelDir, backend: 'wasm' });
    });
    after(() => classifier?.dispose());

    const expected: Array<[string, RegExp]> = [
      ['bird.bmp', /^chickadee$/],
      ['parrot.jpg', /^macaw$/],
      ['hot_dog.jpg', /^hotdog/],
      ['cat.bmp', /cat/],
    ];
    for (const [file, label] of expected) {
      it(`classifies ${file} as ${label.source}`, async () => {
        const result = await classifier.classify(readFileSync(path.join(images, file)), { topK: 5 });
        expect(result.predictions[0]?.label).to.match(label);
        expect(formatOriginalLine(result)).to.match(/^score=0\.\d{6} classid=\d+ human=.+$/);
      });
    }

    it('classifies eagle.jpg as bald eagle or kite', async function () {
      const photos = requireShared(this, photosDir());
      const result = await classifier.classify(readFileSync(path.join(photos, 'eagle.jpg')));
      expect(result.predictions[0]?.classId).to.be.oneOf([21, 22]);
    });

    it('gives the same answer for the same image however often it is asked', async () => {
      const bytes = readFileSync(path.join(images, 'parrot.jpg'));
      const [a, b] = await Promise.all([classifier.classify(bytes), classifier.classify(bytes)]);
      expect(a.predictions).to.deep.equal(b.predictions);
    });
  });

  describe('with every shared model', () => {
    for (const name of [
      'mobilenet_v1_0.25_128_quant',
      'mobilenet_v1_0.5_160_quant',
      'mobilenet_v1_0.75_192_quant',
      'mobilenet_v1_0.75_224',
      'mobilenet_v1_1.0_224_quant',
      'mobilenet_v2_1.0_224_quant',
      'tf2_mobilenet_v2_1.0_224_ptq',
    ]) {
      it(`loads ${name} and finds the parrot`, async function () {
        const modelDir = requireShared(this, sharedModelDir(name));
        const images = requireShared(this, testImagesDir());
        const classifier = await loadClassifier({ modelDir, backend: 'wasm' });
        try {
          expect(classifier.model.classes).to.equal(1000);
          const result = await classifier.classify(readFileSync(path.join(images, 'parrot.jpg')));
          expect(result.predictions[0]?.label).to.equal('macaw');
        } finally {
          classifier.dispose();
        }
      });
    }
  });
});
