import { writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { scratchDir } from './scratch';

/**
 * Small models the tests build and save themselves, so model loading is exercised on every run, with or
 * without the real weights: a MobileNet-style layers model (depthwise conv, 1001 outputs with background),
 * a ResNet-style one (residual Add, 1000 logits) and a hand-written graph model with uint8 weights.
 */

/** A temporary folder for a test, removed at the end of the run (see scratch.ts). */
export const tempDir = (prefix = 'lambdavision-test-'): string => scratchDir(prefix);

/** Saves any layers model as model.json + one shard, the layout tensorflowjs_converter writes. */
async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save({
    save: async (artifacts: tf.io.ModelArtifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      await writeFile(path.join(dir, 'group1-shard1of1.bin'), Buffer.from(weightData));
      const json = {
        format: 'layers-model',
        generatedBy: 'lambdavision tests',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
}

export async function buildTinyMobileNet(
  dir: string,
  options: { size?: number; classes?: number } = {},
): Promise<string> {
  const size = options.size ?? 32;
  const input = tfl.input({ shape: [size, size, 3] });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', seed: 1 } as never)
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', seed: 2 } as never)
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({ units: options.classes ?? 1001, activation: 'softmax', seed: 3 } as never)
    .apply(x) as tfl.SymbolicTensor;
  await saveLayersModel(tfl.model({ inputs: input, outputs: output }), dir);
  return dir;
}

export async function buildTinyResNet(dir: string, options: { size?: number } = {}): Promise<string> {
  const size = options.size ?? 32;
  const input = tfl.input({ shape: [size, size, 3] });
  const stem = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input) as tfl.SymbolicTensor;
  const branch = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same' })
    .apply(stem) as tfl.SymbolicTensor;
  const normed = tfl.layers.batchNormalization({}).apply(branch) as tfl.SymbolicTensor;
  const residual = tfl.layers.add().apply([stem, normed]) as tfl.SymbolicTensor;
  const activated = tfl.layers.activation({ activation: 'relu' }).apply(residual) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(activated) as tfl.SymbolicTensor;
  // ResNets from Keras end in logits when exported with classifier_activation=None.
  const output = tfl.layers.dense({ units: 1000 }).apply(pooled) as tfl.SymbolicTensor;
  await saveLayersModel(tfl.model({ inputs: input, outputs: output }), dir);
  return dir;
}

/**
 * A graph model written by hand in the converter's JSON form: mean over H and W, then a uint8-quantized
 * [3, classes] MatMul and a softmax. Exercises loadGraphModel and quantized shards.
 */
export function buildTinyGraphModel(dir: string, options: { size?: number; classes?: number } = {}): string {
  const size = options.size ?? 16;
  const classes = options.classes ?? 1001;
  const dim = (n: number) => ({ size: String(n) });
  const weights = new Uint8Array(3 * classes).map((_, i) => (i * 37) % 256);
  const scale = 0.01;
  const min = -1.28;
  const nodes = [
    {
      name: 'input',
      op: 'Placeholder',
      attr: {
        dtype: { type: 'DT_FLOAT' },
        shape: { shape: { dim: [dim(-1), dim(size), dim(size), dim(3)] } },
      },
    },
    {
      name: 'axes',
      op: 'Const',
      attr: {
        dtype: { type: 'DT_INT32' },
        value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [dim(2)] } } },
      },
    },
    {
      name: 'mean',
      op: 'Mean',
      input: ['input', 'axes'],
      attr: { keep_dims: { b: false }, T: { type: 'DT_FLOAT' } },
    },
    {
      name: 'w',
      op: 'Const',
      attr: {
        dtype: { type: 'DT_FLOAT' },
        value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [dim(3), dim(classes)] } } },
      },
    },
    {
      name: 'logits',
      op: 'MatMul',
      input: ['mean', 'w'],
      attr: { transpose_a: { b: false }, transpose_b: { b: false }, T: { type: 'DT_FLOAT' } },
    },
    { name: 'probabilities', op: 'Softmax', input: ['logits'], attr: { T: { type: 'DT_FLOAT' } } },
  ];
  const axes = new Int32Array([1, 2]);
  const shard = Buffer.concat([Buffer.from(axes.buffer), Buffer.from(weights)]);
  writeFileSync(path.join(dir, 'group1-shard1of1.bin'), shard);
  const json = {
    format: 'graph-model',
    generatedBy: 'lambdavision tests',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    signature: {
      inputs: {
        input: {
          name: 'input:0',
          dtype: 'DT_FLOAT',
          tensorShape: { dim: [dim(-1), dim(size), dim(size), dim(3)] },
        },
      },
      outputs: { probabilities: { name: 'probabilities:0', dtype: 'DT_FLOAT' } },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'axes', shape: [2], dtype: 'int32' },
          { name: 'w', shape: [3, classes], dtype: 'float32', quantization: { dtype: 'uint8', scale, min } },
        ],
      },
    ],
  };
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}
