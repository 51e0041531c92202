import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { type Classifier, loadClassifier } from '../../function/classifier';
import { runCase } from '../support/hostile-corpus';
import {
  encodeBmp,
  encodeJpeg,
  encodeTiff,
  gifOf,
  gradient,
  quadrants,
  rgbaPng,
  stripedTiffPage,
} from '../support/image-writers';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

const RUNS = 1000;
const WARM_UP = 100;
const MB = 2 ** 20;

/** A full collection between samples, so RSS shows what is kept rather than what is not yet collected. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('a long run in one process', function () {
  this.timeout(180_000);
  let classifier: Classifier;
  let images: Uint8Array[];

  before(async () => {
    classifier = await loadClassifier({ modelDir: await buildTinyMobileNet(tempDir()), backend: 'wasm' });
    // 256×192: each decoded bitmap is 192 KB, so keeping one a call would add ~190 MB over the run.
    const photo = gradient(256, 192);
    const jpeg = await encodeJpeg(photo);
    images = [
      jpeg,
      rgbaPng(photo),
      encodeBmp(photo),
      gifOf([quadrants(256, 192)]),
      encodeTiff([await stripedTiffPage(photo, 'lzw', 32)]),
      jpeg.subarray(0, jpeg.length >> 1), // refused: errors must not leak either
    ];
  });

  after(() => classifier?.dispose());

  it(`keeps the tensor count constant and the RSS flat over ${RUNS} classifications`, async () => {
    const gc = collector();
    for (let i = 0; i < WARM_UP; i++) await runCase(classifier, images[i % images.length] as Uint8Array);
    gc();
    const before = {
      tensors: tf.memory().numTensors,
      bytes: tf.memory().numBytes,
      rss: process.memoryUsage().rss,
    };
    const samples: number[] = [];
    const start = performance.now();
    let crashed = 0;
    for (let i = 0; i < RUNS; i++) {
      const outcome = await runCase(classifier, images[i % images.length] as Uint8Array);
      if (outcome.kind === 'crashed') crashed += 1;
      if ((i + 1) % 100 === 0) {
        gc();
        samples.push(process.memoryUsage().rss);
      }
    }
    const seconds = (performance.now() - start) / 1000;
    const after = {
      tensors: tf.memory().numTensors,
      bytes: tf.memory().numBytes,
      rss: process.memoryUsage().rss,
    };
    const mb = (bytes: number) => (bytes / MB).toFixed(0);
    // The allocator settles during the first hundred calls; after that a leak shows as a steady climb.
    const climb = ((samples[samples.length - 1] as number) - (samples[0] as number)) / MB;
    console.log(
      `      long run: ${RUNS} classifications in ${seconds.toFixed(1)} s; tensors ${before.tensors} -> ${after.tensors}; tensor bytes ${before.bytes} -> ${after.bytes}; rss MB after warm-up ${mb(before.rss)}, then every 100 calls: ${samples.map(mb).join(' ')}; climb over the last ${RUNS - 100} calls ${climb.toFixed(1)} MB`,
    );
    expect(crashed).to.equal(0);
    expect(after.tensors).to.equal(before.tensors);
    expect(after.bytes).to.equal(before.bytes);
    // One leaked 192 KB bitmap a call would climb ~170 MB over 900 calls.
    expect(climb).to.be.below(32);
    expect((after.rss - before.rss) / MB).to.be.below(96);
  });
});
