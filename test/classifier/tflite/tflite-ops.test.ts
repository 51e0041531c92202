import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { selectBackend } from '../../../function/classifier/backend';
import {
  ActivationFunctionType,
  AddOptions,
  BuiltinOptions,
  ConcatenationOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  FullyConnectedOptions,
  FullyConnectedOptionsWeightsFormat,
  MulOptions,
  BuiltinOperator as Op,
  Padding,
  Pool2DOptions,
  ReducerOptions,
  ReshapeOptions,
  SoftmaxOptions,
  SqueezeOptions,
  TensorType,
} from '../../../function/classifier/tflite/generated/tflite-schema';
import { compileTflite } from '../../../function/classifier/tflite/interpreter';
import { readTfliteModel } from '../../../function/classifier/tflite/read-model';
import {
  float16Bytes,
  float32Bytes,
  type GraphSpec,
  int32Bytes,
  quantize,
  type TensorSpec,
  writeTflite,
} from './tflite-writer';

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

/** Runs a written file through the importer on `input` and returns the output's values and shape. */
async function run(spec: GraphSpec, input: tf.Tensor): Promise<{ data: Float32Array; shape: number[] }> {
  const graph = readTfliteModel(writeTflite(spec), 'op-test.tflite');
  const program = compileTflite(graph);
  try {
    const out = tf.tidy(() =>
      program.run(input as tf.Tensor4D, spec.outputs[0] as number, spec.ops.length - 1),
    );
    const data = (await out.data()) as Float32Array;
    const shape = out.shape;
    out.dispose();
    return { data, shape };
  } finally {
    program.dispose();
  }
}

async function expectClose(
  actual: { data: Float32Array; shape: number[] },
  expected: tf.Tensor,
  tolerance = 1e-4,
) {
  expect(actual.shape).to.deep.equal(expected.shape);
  const want = await expected.data();
  expected.dispose();
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs((actual.data[i] ?? Number.NaN) - (want[i] as number)));
  expect(worst, 'largest absolute difference').to.be.below(tolerance);
}

const act = (t: TensorSpec): TensorSpec => t;

// Both backends: on wasm the weights are written straight into the backend's memory, elsewhere into an
// array handed to tf.tensor (interpreter.ts, floatTensor).
for (const backend of ['wasm', 'cpu'] as const)
  describe(`TensorFlow Lite operators on ${backend} (files written by the test, compared with TF.js reference ops)`, () => {
    before(async () => {
      await selectBackend(backend);
    });
    after(async () => {
      await selectBackend('wasm');
    });

    const x = (shape: number[], seed = 1) =>
      tf.tensor(
        values(
          shape.reduce((a, b) => a * b, 1),
          seed,
        ),
        shape,
      );

    it('CONV_2D with float32 weights, bias, SAME padding, stride 2 and fused RELU6', async () => {
      const w = values(4 * 3 * 3 * 3, 2).map((v) => v * 3);
      const bias = values(4, 3);
      const spec: GraphSpec = {
        tensors: [
          act({ shape: [1, 8, 8, 3] }),
          { shape: [4, 3, 3, 3], data: float32Bytes(w) },
          { shape: [4], data: float32Bytes(bias) },
          act({ shape: [1, 4, 4, 4] }),
        ],
        ops: [
          {
            op: Op.CONV_2D,
            inputs: [0, 1, 2],
            outputs: [3],
            options: (b) => [
              BuiltinOptions.Conv2DOptions,
              Conv2DOptions.createConv2DOptions(b, Padding.SAME, 2, 2, ActivationFunctionType.RELU6, 1, 1),
            ],
          },
        ],
        inputs: [0],
        outputs: [3],
      };
      const input = x([1, 8, 8, 3]);
      const actual = await run(spec, input);
      const filter = tf.transpose(tf.tensor4d(w, [4, 3, 3, 3]), [1, 2, 3, 0]) as tf.Tensor4D;
      await expectClose(
        actual,
        tf.relu6(tf.add(tf.conv2d(input as tf.Tensor4D, filter, 2, 'same'), tf.tensor1d(bias))),
      );
      tf.dispose([input, filter]);
    });

    it('CONV_2D with int8 per-channel weights and an int32 bias, VALID padding, fused RELU', async () => {
      const shape = [5, 1, 1, 3];
      const q = quantize(values(15, 4), shape, TensorType.INT8, 0);
      const inputScale = 0.01;
      const biasFloat = values(5, 5);
      // TFLite's int32 bias: scale = input scale x weight scale, zero point 0.
      const biasScale = q.quantization.scale.map((s) => s * inputScale);
      const biasQ = Array.from(biasFloat, (v, i) => Math.round(v / (biasScale[i] as number)));
      const spec: GraphSpec = {
        tensors: [
          {
            shape: [1, 4, 4, 3],
            type: TensorType.INT8,
            quantization: { scale: [inputScale], zeroPoint: [0] },
          },
          { shape, type: TensorType.INT8, data: q.data, quantization: q.quantization },
          {
            shape: [5],
            type: TensorType.INT32,
            data: int32Bytes(biasQ),
            quantization: { scale: biasScale, zeroPoint: biasScale.map(() => 0) },
          },
          { shape: [1, 4, 4, 5], type: TensorType.INT8, quantization: { scale: [0.02], zeroPoint: [-128] } },
        ],
        ops: [
          {
            op: Op.CONV_2D,
            inputs: [0, 1, 2],
            outputs: [3],
            options: (b) => [
              BuiltinOptions.Conv2DOptions,
              Conv2DOptions.createConv2DOptions(b, Padding.VALID, 1, 1, ActivationFunctionType.RELU, 1, 1),
            ],
          },
        ],
        inputs: [0],
        outputs: [3],
      };
      const input = x([1, 4, 4, 3], 6);
      const actual = await run(spec, input);
      const filter = tf.transpose(
        tf.tensor4d(q.dequantized, shape as [number, number, number, number]),
        [1, 2, 3, 0],
      ) as tf.Tensor4D;
      const b = tf.tensor1d(biasQ.map((v, i) => v * (biasScale[i] as number)));
      await expectClose(actual, tf.relu(tf.add(tf.conv2d(input as tf.Tensor4D, filter, 1, 'valid'), b)));
      tf.dispose([input, filter, b]);
    });

    it('DEPTHWISE_CONV_2D with uint8 per-tensor weights, depth multiplier 2, VALID padding', async () => {
      const shape = [1, 3, 3, 6]; // 3 input channels x multiplier 2
      const q = quantize(values(54, 7), shape, TensorType.UINT8);
      const bias = values(6, 8);
      const spec: GraphSpec = {
        tensors: [
          { shape: [1, 6, 6, 3] },
          { shape, type: TensorType.UINT8, data: q.data, quantization: q.quantization },
          { shape: [6], data: float32Bytes(bias) },
          { shape: [1, 4, 4, 6] },
        ],
        ops: [
          {
            op: Op.DEPTHWISE_CONV_2D,
            inputs: [0, 1, 2],
            outputs: [3],
            options: (b) => [
              BuiltinOptions.DepthwiseConv2DOptions,
              DepthwiseConv2DOptions.createDepthwiseConv2DOptions(
                b,
                Padding.VALID,
                1,
                1,
                2,
                ActivationFunctionType.NONE,
                1,
                1,
              ),
            ],
          },
        ],
        inputs: [0],
        outputs: [3],
      };
      const input = x([1, 6, 6, 3], 9);
      const actual = await run(spec, input);
      const filter = tf.tensor4d(q.dequantized, [3, 3, 3, 2]);
      await expectClose(
        actual,
        tf.add(tf.depthwiseConv2d(input as tf.Tensor4D, filter, 1, 'valid'), tf.tensor1d(bias)),
      );
      tf.dispose([input, filter]);
    });

    it('RESHAPE then FULLY_CONNECTED with float16 weights, bias and SOFTMAX with beta', async () => {
      const w = values(10 * 12, 10);
      const bias = values(10, 11);
      const spec: GraphSpec = {
        tensors: [
          { shape: [1, 2, 2, 3] },
          { shape: [2], type: TensorType.INT32, data: int32Bytes([1, 12]) },
          { shape: [1, 12] },
          { shape: [10, 12], type: TensorType.FLOAT16, data: float16Bytes(w) },
          { shape: [10], data: float32Bytes(bias) },
          { shape: [1, 10] },
          { shape: [1, 10] },
        ],
        ops: [
          {
            op: Op.RESHAPE,
            inputs: [0, 1],
            outputs: [2],
            options: (b) => [
              BuiltinOptions.ReshapeOptions,
              ReshapeOptions.createReshapeOptions(b, ReshapeOptions.createNewShapeVector(b, [1, 12])),
            ],
          },
          {
            op: Op.FULLY_CONNECTED,
            inputs: [2, 3, 4],
            outputs: [5],
            options: (b) => [
              BuiltinOptions.FullyConnectedOptions,
              FullyConnectedOptions.createFullyConnectedOptions(
                b,
                ActivationFunctionType.NONE,
                FullyConnectedOptionsWeightsFormat.DEFAULT,
                false,
              ),
            ],
          },
          {
            op: Op.SOFTMAX,
            inputs: [5],
            outputs: [6],
            options: (b) => [BuiltinOptions.SoftmaxOptions, SoftmaxOptions.createSoftmaxOptions(b, 0.5)],
          },
        ],
        inputs: [0],
        outputs: [6],
      };
      const input = x([1, 2, 2, 3], 12);
      const actual = await run(spec, input);
      // float16 keeps about 3 decimal digits: the reference uses the same rounded weights.
      const rounded = new Float32Array(new Uint16Array(float16Bytes(w).buffer).length);
      const w16 = tf.tidy(() => tf.tensor2d(decodeHalf(float16Bytes(w), rounded), [10, 12]));
      await expectClose(
        actual,
        tf.softmax(
          tf.mul(tf.add(tf.matMul(tf.reshape(input, [1, 12]), w16, false, true), tf.tensor1d(bias)), 0.5),
        ),
        1e-5,
      );
      tf.dispose([input, w16]);
    });

    it('RESHAPE follows the batch the file does not know (its static shapes say 1)', async () => {
      const spec: GraphSpec = {
        tensors: [
          { shape: [1, 2, 2, 3] },
          { shape: [2], type: TensorType.INT32, data: int32Bytes([1, -1]) },
          { shape: [1, 12] },
        ],
        ops: [{ op: Op.RESHAPE, inputs: [0, 1], outputs: [2] }],
        inputs: [0],
        outputs: [2],
      };
      const input = x([3, 2, 2, 3], 18);
      const actual = await run(spec, input);
      await expectClose(actual, tf.reshape(input, [3, 12]));
      input.dispose();
    });

    it('ADD and MUL with a broadcast constant and fused activations, then MEAN over height and width', async () => {
      const c = values(4, 13);
      const spec: GraphSpec = {
        tensors: [
          { shape: [1, 3, 3, 4] },
          { shape: [4], data: float32Bytes(c) },
          { shape: [1, 3, 3, 4] },
          { shape: [1, 3, 3, 4] },
          { shape: [2], type: TensorType.INT32, data: int32Bytes([1, 2]) },
          { shape: [1, 1, 1, 4] },
        ],
        ops: [
          {
            op: Op.ADD,
            inputs: [0, 1],
            outputs: [2],
            options: (b) => [
              BuiltinOptions.AddOptions,
              AddOptions.createAddOptions(b, ActivationFunctionType.RELU),
            ],
          },
          {
            op: Op.MUL,
            inputs: [2, 0],
            outputs: [3],
            options: (b) => [
              BuiltinOptions.MulOptions,
              MulOptions.createMulOptions(b, ActivationFunctionType.RELU_N1_TO_1),
            ],
          },
          {
            op: Op.MEAN,
            inputs: [3, 4],
            outputs: [5],
            options: (b) => [BuiltinOptions.ReducerOptions, ReducerOptions.createReducerOptions(b, true)],
          },
        ],
        inputs: [0],
        outputs: [5],
      };
      const input = x([1, 3, 3, 4], 14);
      const actual = await run(spec, input);
      const added = tf.relu(tf.add(input, tf.tensor1d(c)));
      await expectClose(actual, tf.mean(tf.clipByValue(tf.mul(added, input), -1, 1), [1, 2], true));
      tf.dispose([input, added]);
    });

    it('AVERAGE_POOL_2D (SAME) and MAX_POOL_2D (VALID) with fused activation', async () => {
      const pool = (b: import('flatbuffers').Builder, padding: Padding, activation: ActivationFunctionType) =>
        Pool2DOptions.createPool2DOptions(b, padding, 2, 2, 3, 3, activation);
      const spec: GraphSpec = {
        tensors: [{ shape: [1, 7, 7, 2] }, { shape: [1, 4, 4, 2] }, { shape: [1, 1, 1, 2] }],
        ops: [
          {
            op: Op.AVERAGE_POOL_2D,
            inputs: [0],
            outputs: [1],
            options: (b) => [
              BuiltinOptions.Pool2DOptions,
              pool(b, Padding.SAME, ActivationFunctionType.NONE),
            ],
          },
          {
            op: Op.MAX_POOL_2D,
            inputs: [1],
            outputs: [2],
            options: (b) => [
              BuiltinOptions.Pool2DOptions,
              pool(b, Padding.VALID, ActivationFunctionType.RELU),
            ],
          },
        ],
        inputs: [0],
        outputs: [2],
      };
      const input = x([1, 7, 7, 2], 15);
      const actual = await run(spec, input);
      const avg = tf.avgPool(input as tf.Tensor4D, 3, 2, 'same');
      await expectClose(actual, tf.relu(tf.maxPool(avg, 3, 2, 'valid')));
      tf.dispose([input, avg]);
    });

    it('PAD, CONCATENATION and SQUEEZE', async () => {
      const spec: GraphSpec = {
        tensors: [
          { shape: [1, 2, 2, 3] },
          { shape: [4, 2], type: TensorType.INT32, data: int32Bytes([0, 0, 1, 0, 0, 1, 0, 0]) },
          { shape: [1, 3, 3, 3] },
          { shape: [1, 3, 3, 6] },
          { shape: [1, 3, 3, 6] },
        ],
        ops: [
          { op: Op.PAD, inputs: [0, 1], outputs: [2] },
          {
            op: Op.CONCATENATION,
            inputs: [2, 2],
            outputs: [3],
            options: (b) => [
              BuiltinOptions.ConcatenationOptions,
              ConcatenationOptions.createConcatenationOptions(b, 3, ActivationFunctionType.RELU6),
            ],
          },
          {
            op: Op.SQUEEZE,
            inputs: [3],
            outputs: [4],
            options: (b) => [
              BuiltinOptions.SqueezeOptions,
              SqueezeOptions.createSqueezeOptions(b, SqueezeOptions.createSqueezeDimsVector(b, [0])),
            ],
          },
        ],
        inputs: [0],
        outputs: [4],
      };
      const input = x([1, 2, 2, 3], 16);
      const actual = await run(spec, input);
      const padded = tf.pad(input, [
        [0, 0],
        [1, 0],
        [0, 1],
        [0, 0],
      ]);
      await expectClose(actual, tf.squeeze(tf.relu6(tf.concat([padded, padded], 3)), [0]));
      tf.dispose([input, padded]);
    });

    it('LOGISTIC, HARD_SWISH, RELU and RELU6 as operators, with QUANTIZE and DEQUANTIZE passing values through', async () => {
      const q = { type: TensorType.UINT8, quantization: { scale: [0.05], zeroPoint: [128] } };
      const spec: GraphSpec = {
        tensors: [
          { shape: [1, 2, 2, 3] },
          { shape: [1, 2, 2, 3], ...q },
          { shape: [1, 2, 2, 3], ...q },
          { shape: [1, 2, 2, 3] },
          { shape: [1, 2, 2, 3] },
          { shape: [1, 2, 2, 3] },
          { shape: [1, 2, 2, 3] },
        ],
        ops: [
          { op: Op.QUANTIZE, inputs: [0], outputs: [1] },
          { op: Op.HARD_SWISH, inputs: [1], outputs: [2] },
          { op: Op.DEQUANTIZE, inputs: [2], outputs: [3] },
          { op: Op.RELU6, inputs: [3], outputs: [4] },
          { op: Op.LOGISTIC, inputs: [4], outputs: [5] },
          { op: Op.RELU, inputs: [5], outputs: [6] },
        ],
        inputs: [0],
        outputs: [6],
      };
      const input = tf.mul(x([1, 2, 2, 3], 17), 8);
      const actual = await run(spec, input);
      const hardSwish = tf.mul(input, tf.div(tf.relu6(tf.add(input, 3)), 6));
      await expectClose(actual, tf.relu(tf.sigmoid(tf.relu6(hardSwish))));
      tf.dispose([input, hardSwish]);
    });
  });

function decodeHalf(bytes: Uint8Array, out: Float32Array): Float32Array {
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  halves.forEach((h, i) => {
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    const v = e === 0 ? 2 ** -14 * (f / 1024) : 2 ** (e - 15) * (1 + f / 1024);
    out[i] = h & 0x8000 ? -v : v;
  });
  return out;
}
