import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { type Classifier, loadClassifier } from '../../function/classifier';
import { type Outcome, runCase } from '../support/hostile-corpus';
import {
  encodeBmp,
  encodeJpeg,
  gifOf,
  gradient,
  quadrants,
  rgbaPng,
  storedForOrientation,
} from '../support/image-writers';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

/** What must not differ between a sequential and a concurrent run: the answer, or the refusal. */
const answer = (o: Outcome) =>
  o.kind === 'classified' ? `${o.classId} ${o.width}x${o.height}` : o.kind === 'refused' ? o.code : 'crashed';

async function classifyAll(classifier: Classifier, images: Uint8Array[]) {
  const results = [];
  for (const bytes of images)
    results.push(await classifier.classify(bytes, { topK: 5 }).catch((e: Error) => e.message));
  return results;
}

describe('concurrent classifications in one process', function () {
  this.timeout(120_000);

  it('give the same predictions as the same calls one after another', async () => {
    const classifier = await loadClassifier({
      modelDir: await buildTinyMobileNet(tempDir()),
      backend: 'wasm',
    });
    try {
      // Different sizes, formats and contents, and a damaged file among them.
      const images: Uint8Array[] = [];
      for (let i = 0; i < 8; i++) {
        const img =
          i % 2
            ? gradient(40 + i * 9, 30 + i * 7)
            : storedForOrientation(quadrants(48 + i * 4, 32), 1 + (i % 8));
        images.push(await encodeJpeg(img), rgbaPng(img), encodeBmp(img), gifOf([quadrants(16 + i, 12)]));
      }
      images.push(images[0]?.subarray(0, 100) as Uint8Array);
      const tensors = tf.memory().numTensors;

      const sequential = await classifyAll(classifier, images);
      const concurrent = await Promise.all(
        images.map((bytes) => classifier.classify(bytes, { topK: 5 }).catch((e: Error) => e.message)),
      );

      const strip = (r: (typeof sequential)[number]) =>
        typeof r === 'string' ? r : { ...r, timings: undefined };
      expect(concurrent.map(strip)).to.deep.equal(sequential.map(strip));
      expect(tf.memory().numTensors).to.equal(tensors);
    } finally {
      classifier.dispose();
    }
  });

  it('give the real model the same top-1 for the shared test images, all at once', async function () {
    const modelDir = requireShared(this, realModelDir());
    const dir = requireShared(this, testImagesDir());
    const classifier = await loadClassifier({ modelDir, backend: 'wasm' });
    try {
      const files = ['bird.bmp', 'parrot.jpg', 'hot_dog.jpg', 'cat.bmp'];
      const images = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
      const sequential = [];
      for (const bytes of images) sequential.push(answer(await runCase(classifier, bytes)));
      const concurrent = (await Promise.all(images.map((bytes) => runCase(classifier, bytes)))).map(answer);
      console.log(`      real model, ${files.join(', ')}: ${concurrent.join(' | ')}`);
      expect(concurrent).to.deep.equal(sequential);
    } finally {
      classifier.dispose();
    }
  });
});
