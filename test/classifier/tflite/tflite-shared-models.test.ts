import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import { locateModel } from '../../../function/classifier/model-files';
import { loadPredictor } from '../../../function/classifier/model-formats';
import { photosDir, requireShared, sharedModelDir, testImagesDir } from '../../support/shared-data';

/**
 * The classifier .tflite files of the shared models (not the two pieces of mobilenet_v1_1.0_224_quant),
 * with the width of the features their classification head reads (1280 for v2; 1024 x alpha for v1).
 */
const MODELS: Record<string, number> = {
  'mobilenet_v2_1.0_224_quant': 1280,
  'tf2_mobilenet_v2_1.0_224_ptq': 1280,
  'mobilenet_v1_0.75_192_quant': 768,
  'mobilenet_v1_0.5_160_quant': 512,
  'mobilenet_v1_0.25_128_quant': 256,
};

/** PROVENANCE.md's top-5 table: image → output indices, best first. */
function expectedTop5(provenance: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const line of provenance.split('\n')) {
    const match = /^\| ([\w.]+\.(?:jpg|bmp)) \| (.+) \|$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    rows.set(
      match[1],
      [...match[2].matchAll(/\((\d+)\) [\d.]+%/g)].map((m) => Number(m[1])),
    );
  }
  return rows;
}

/**
 * The preprocessing PROVENANCE.md states for its table: jimp decode, RGB, central square crop,
 * resizeBilinear to the input size, x/127.5 - 1.
 */
async function provenanceInput(file: string, size: number): Promise<tf.Tensor4D> {
  const image = await Jimp.read(readFileSync(file));
  const { width, height, data } = image.bitmap;
  const side = Math.min(width, height);
  const top = Math.floor((height - side) / 2);
  const left = Math.floor((width - side) / 2);
  return tf.tidy(() => {
    const rgba = tf.tensor3d(new Uint8Array(data), [height, width, 4], 'int32');
    const crop = tf.cast(tf.slice(rgba, [top, left, 0], [side, side, 3]), 'float32') as tf.Tensor3D;
    const resized = tf.image.resizeBilinear(crop, [size, size]);
    return tf.expandDims(tf.sub(tf.div(resized, 127.5), 1), 0) as tf.Tensor4D;
  });
}

describe('the shared TensorFlow Lite classifiers give the top-5 of their PROVENANCE.md', () => {
  for (const [name, featureWidth] of Object.entries(MODELS)) {
    it(name, async function () {
      const dir = requireShared(this, sharedModelDir(name));
      const images = requireShared(this, testImagesDir());
      const tfliteDir = path.join(dir, 'tflite');
      const file = path.join(tfliteDir, readdirSync(tfliteDir).find((f) => f.endsWith('.tflite')) as string);
      const expected = expectedTop5(readFileSync(path.join(dir, 'PROVENANCE.md'), 'utf8'));
      const predictor = await loadPredictor(await locateModel(file));
      const [size] = predictor.inputSize ?? [224];
      const imageFiles = [
        ...readdirSync(images).map((f) => path.join(images, f)),
        ...(photosDir()
          ? readdirSync(photosDir() as string).map((f) => path.join(photosDir() as string, f))
          : []),
      ].filter((f) => expected.has(path.basename(f)));
      expect(imageFiles.length, 'images with an expected top-5').to.be.at.least(5);
      try {
        for (const image of imageFiles) {
          const input = await provenanceInput(image, size as number);
          const features = predictor.embed?.(input);
          expect(features?.shape, 'penultimate features').to.deep.equal([1, featureWidth]);
          features?.dispose();
          const scores = predictor.predict(input);
          const top = tf.topk(scores, 5);
          const indices = Array.from(await top.indices.data());
          tf.dispose([input, scores, top.values, top.indices]);
          expect(indices, path.basename(image)).to.deep.equal(expected.get(path.basename(image)));
        }
      } finally {
        predictor.dispose();
      }
    });
  }
});
