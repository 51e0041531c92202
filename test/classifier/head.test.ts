import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import {
  attachHead,
  ErrorCode,
  type HeadManifest,
  headWeightCount,
  locateModel,
  type Predictor,
} from '../../function/classifier/index';
import { loadPredictor } from '../../function/classifier/model-formats';
import { buildTinyGraphModel, buildTinyMobileNet, tempDir } from '../support/tiny-models';

/** A base whose embedding is its input: the head under test sees exactly the rows it is given. */
const identity: Predictor = {
  predict: (x) => x as unknown as tf.Tensor2D,
  embed: (x) => x as unknown as tf.Tensor2D,
  dispose: () => undefined,
};

function writeHead(dir: string, head: HeadManifest, floats: number[]): void {
  expect(floats.length).to.equal(headWeightCount(head));
  writeFileSync(path.join(dir, head.weights), new Uint8Array(new Float32Array(floats).buffer));
}

async function run(predictor: Predictor, rows: number[][]): Promise<number[][]> {
  const out = tf.tidy(() => predictor.predict(tf.tensor2d(rows) as unknown as tf.Tensor4D));
  const values = (await out.array()) as number[][];
  out.dispose();
  return values;
}

describe('a trained head on a base model', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the softmax of the standardised embedding times the kernel, spread over the labels', async () => {
    // Prepare: 2-d embeddings, mean (1, 1), scale (2, 2); the dense layer scores labels 0 and 2 of 3.
    const head: HeadManifest = {
      weights: 'head.bin',
      embeddingSize: 2,
      labels: 3,
      dense: { classes: [0, 2] },
    };
    writeHead(dir, head, [1, 1, 2, 2, /* kernel [2×2] */ 1, 0, 0, 1, /* bias */ 0, 0]);
    const predictor = await attachHead(identity, head, dir);
    const before = tf.memory().numTensors;

    // Act: (3, 1) standardises to (1, 0): softmax(1, 0).
    const [row] = await run(predictor, [[3, 1]]);

    // Assess
    const e = Math.E;
    expect(row?.[0]).to.be.closeTo(e / (e + 1), 1e-6);
    expect(row?.[1]).to.equal(0);
    expect(row?.[2]).to.be.closeTo(1 / (e + 1), 1e-6);
    expect(tf.memory().numTensors).to.equal(before);
    predictor.dispose();
  });

  it('lets the nearest exemplars vote for few-shot labels and shares the rest by the softmax layer', async () => {
    // Prepare: label 1 has one exemplar at (0, 1); label 0 (dense, alone) has one at (1, 0).
    const head: HeadManifest = {
      weights: 'head.bin',
      embeddingSize: 2,
      labels: 2,
      dense: { classes: [0] },
      neighbours: { k: 2, temperature: 0.05, labels: [0, 1] },
    };
    writeHead(dir, head, [0, 0, 1, 1, /* kernel */ 1, 1, /* bias */ 0, /* exemplars */ 1, 0, 0, 1]);
    const predictor = await attachHead(identity, head, dir);

    // Act
    const [nearFewShot, nearDense] = await run(predictor, [
      [0.1, 1],
      [1, 0.1],
    ]);

    // Assess
    expect(nearFewShot?.[1]).to.be.greaterThan(0.99);
    expect(nearDense?.[0]).to.be.greaterThan(0.99);
    for (const row of [nearFewShot, nearDense])
      expect((row?.[0] ?? 0) + (row?.[1] ?? 0)).to.be.closeTo(1, 1e-5);
    predictor.dispose();
  });

  it('refuses weights of the wrong size with MODEL_INVALID', async () => {
    const head: HeadManifest = {
      weights: 'head.bin',
      embeddingSize: 2,
      labels: 2,
      dense: { classes: [0, 1] },
    };
    writeFileSync(path.join(dir, 'head.bin'), new Uint8Array(12));
    const error = await attachHead(identity, head, dir).catch((e: unknown) => e);
    expect(error).to.have.property('code', ErrorCode.MODEL_INVALID);
    expect((error as Error).message).to.match(/hold 12 bytes but the manifest's head needs 40/);
  });

  it('refuses, when it is attached, a head whose embedding size is not the one the base states', async () => {
    // Prepare: the tiny MobileNet's embedding is its 8 pooled channels.
    const base = await loadPredictor(await locateModel(await buildTinyMobileNet(path.join(dir, 'base'))));
    const head: HeadManifest = {
      weights: 'head.bin',
      embeddingSize: 9,
      labels: 2,
      dense: { classes: [0, 1] },
    };
    writeHead(
      dir,
      head,
      Array.from({ length: headWeightCount(head) }, () => 0.5),
    );

    // Act
    const error = await attachHead(base, head, dir).catch((e: unknown) => e);
    const fitting: HeadManifest = { ...head, weights: 'head8.bin', embeddingSize: 8 };
    writeHead(
      dir,
      fitting,
      Array.from({ length: headWeightCount(fitting) }, () => 0.5),
    );
    const attached = await attachHead(base, fitting, dir);

    // Assess: refused before any image; a head on 8 values attaches and states its score row.
    expect(base.embeddingSize).to.equal(8);
    expect(error).to.have.property('code', ErrorCode.MODEL_INVALID);
    expect((error as Error).message).to.equal(
      "the base model's embeddings have 8 values but the head expects 9",
    );
    expect(attached.scores).to.deep.equal({ width: 2, kind: 'probabilities' });
    attached.dispose();
  });
});

describe('Predictor.embed', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a layers model the input of its last Dense layer (the pooled features)', async () => {
    const predictor = await loadPredictor(await locateModel(await buildTinyMobileNet(dir, { size: 32 })));
    const features = tf.tidy(() => predictor.embed?.(tf.ones([2, 32, 32, 3]) as tf.Tensor4D));
    expect(features?.shape).to.deep.equal([2, 8]);
    features?.dispose();
    predictor.dispose();
  });

  it('gives a graph model the input of its final MatMul (here the per-channel mean)', async () => {
    const predictor = await loadPredictor(
      await locateModel(buildTinyGraphModel(dir, { size: 16, classes: 5 })),
    );
    const input = tf.concat(
      [tf.fill([1, 16, 16, 1], 0.25), tf.fill([1, 16, 16, 1], 0.5), tf.fill([1, 16, 16, 1], 1)],
      3,
    );
    const features = tf.tidy(() => predictor.embed?.(input as tf.Tensor4D));
    expect(features?.shape).to.deep.equal([1, 3]);
    expect(Array.from((await features?.data()) ?? [])).to.deep.equal([0.25, 0.5, 1]);
    features?.dispose();
    input.dispose();
    predictor.dispose();
  });
});
