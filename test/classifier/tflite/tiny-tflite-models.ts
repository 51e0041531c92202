import * as tf from '@tensorflow/tfjs-core';
import type { Builder } from 'flatbuffers';
import {
  ActivationFunctionType,
  AddOptions,
  BuiltinOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  FullyConnectedOptions,
  FullyConnectedOptionsWeightsFormat,
  MulOptions,
  BuiltinOperator as Op,
  Padding,
  ReducerOptions,
  ReshapeOptions,
  TensorType,
} from '../../../function/classifier/tflite/generated/tflite-schema';
import { float32Bytes, type GraphSpec, int32Bytes, quantize, type TensorSpec } from './tflite-writer';

function values(count: number, seed: number, amplitude = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return ((s / 2 ** 31) * 2 - 1) * amplitude;
  });
}

const conv = (b: Builder, stride: number, activation: ActivationFunctionType): [BuiltinOptions, number] => [
  BuiltinOptions.Conv2DOptions,
  Conv2DOptions.createConv2DOptions(b, Padding.SAME, stride, stride, activation, 1, 1),
];

/**
 * A MobileNet v3-style classifier: a stem convolution with HARD_SWISH, a depthwise convolution, a
 * squeeze-and-excitation block (MEAN, 1x1 CONV_2D with RELU, 1x1 CONV_2D, LOGISTIC, MUL), a residual ADD,
 * global MEAN, FULLY_CONNECTED head and SOFTMAX. Weights int8 per-channel (`quantized`) or float32; the
 * input uint8 with quantization parameters (range [-1, 1)) or float32. Also returns a TF.js reference
 * implementation of the same graph, with the same (dequantized) weights.
 */
export function mobileNetV3Like(options: { classes: number; size?: number; quantized?: boolean }): {
  spec: GraphSpec;
  reference: (x: tf.Tensor4D) => { scores: tf.Tensor2D; features: tf.Tensor2D };
} {
  const size = options.size ?? 16;
  const classes = options.classes;
  const C = 8;
  const tensors: TensorSpec[] = [];
  const add = (t: TensorSpec): number => tensors.push(t) - 1;
  const weights = (shape: number[], seed: number, axis?: number): { index: number; values: Float32Array } => {
    const raw = values(
      shape.reduce((a, b) => a * b, 1),
      seed,
      0.5,
    );
    if (!options.quantized) return { index: add({ shape, data: float32Bytes(raw) }), values: raw };
    const q = quantize(raw, shape, TensorType.INT8, axis ?? 0);
    return {
      index: add({ shape, type: TensorType.INT8, data: q.data, quantization: q.quantization }),
      values: q.dequantized,
    };
  };
  const bias = (n: number, seed: number) => {
    const v = values(n, seed, 0.1);
    return { index: add({ shape: [n], data: float32Bytes(v) }), values: v };
  };
  const half = size / 2;
  const input = add(
    options.quantized
      ? {
          shape: [1, size, size, 3],
          type: TensorType.UINT8,
          quantization: { scale: [1 / 128], zeroPoint: [128] },
        }
      : { shape: [1, size, size, 3] },
  );
  const stemW = weights([C, 3, 3, 3], 1);
  const stemB = bias(C, 2);
  const stem = add({ shape: [1, half, half, C] });
  const stemAct = add({ shape: [1, half, half, C] });
  const dwW = weights([1, 3, 3, C], 3, 3);
  const dwB = bias(C, 4);
  const dw = add({ shape: [1, half, half, C] });
  const axes = add({ shape: [2], type: TensorType.INT32, data: int32Bytes([1, 2]) });
  const squeezed = add({ shape: [1, 1, 1, C] });
  const seW1 = weights([4, 1, 1, C], 5);
  const seB1 = bias(4, 6);
  const se1 = add({ shape: [1, 1, 1, 4] });
  const seW2 = weights([C, 1, 1, 4], 7);
  const seB2 = bias(C, 8);
  const se2 = add({ shape: [1, 1, 1, C] });
  const gate = add({ shape: [1, 1, 1, C] });
  const excited = add({ shape: [1, half, half, C] });
  const residual = add({ shape: [1, half, half, C] });
  const pooled = add({ shape: [1, C] });
  const fcW = weights([classes, C], 9);
  const fcB = bias(classes, 10);
  const logits = add({ shape: [1, classes] });
  const probabilities = add({ shape: [1, classes] });

  const spec: GraphSpec = {
    tensors,
    inputs: [input],
    outputs: [probabilities],
    ops: [
      {
        op: Op.CONV_2D,
        inputs: [input, stemW.index, stemB.index],
        outputs: [stem],
        options: (b) => conv(b, 2, ActivationFunctionType.NONE),
      },
      { op: Op.HARD_SWISH, inputs: [stem], outputs: [stemAct] },
      {
        op: Op.DEPTHWISE_CONV_2D,
        inputs: [stemAct, dwW.index, dwB.index],
        outputs: [dw],
        options: (b) => [
          BuiltinOptions.DepthwiseConv2DOptions,
          DepthwiseConv2DOptions.createDepthwiseConv2DOptions(
            b,
            Padding.SAME,
            1,
            1,
            1,
            ActivationFunctionType.RELU6,
            1,
            1,
          ),
        ],
      },
      {
        op: Op.MEAN,
        inputs: [dw, axes],
        outputs: [squeezed],
        options: (b) => [BuiltinOptions.ReducerOptions, ReducerOptions.createReducerOptions(b, true)],
      },
      {
        op: Op.CONV_2D,
        inputs: [squeezed, seW1.index, seB1.index],
        outputs: [se1],
        options: (b) => conv(b, 1, ActivationFunctionType.RELU),
      },
      {
        op: Op.CONV_2D,
        inputs: [se1, seW2.index, seB2.index],
        outputs: [se2],
        options: (b) => conv(b, 1, ActivationFunctionType.NONE),
      },
      { op: Op.LOGISTIC, inputs: [se2], outputs: [gate] },
      {
        op: Op.MUL,
        inputs: [dw, gate],
        outputs: [excited],
        options: (b) => [
          BuiltinOptions.MulOptions,
          MulOptions.createMulOptions(b, ActivationFunctionType.NONE),
        ],
      },
      {
        op: Op.ADD,
        inputs: [excited, stemAct],
        outputs: [residual],
        options: (b) => [
          BuiltinOptions.AddOptions,
          AddOptions.createAddOptions(b, ActivationFunctionType.NONE),
        ],
      },
      {
        op: Op.MEAN,
        inputs: [residual, axes],
        outputs: [pooled],
        options: (b) => [BuiltinOptions.ReducerOptions, ReducerOptions.createReducerOptions(b, false)],
      },
      {
        op: Op.FULLY_CONNECTED,
        inputs: [pooled, fcW.index, fcB.index],
        outputs: [logits],
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
      { op: Op.SOFTMAX, inputs: [logits], outputs: [probabilities] },
    ],
  };

  const ohwiToHwio = (w: Float32Array, shape: number[]) =>
    tf.transpose(tf.tensor4d(w, shape as [number, number, number, number]), [1, 2, 3, 0]) as tf.Tensor4D;
  const reference = (x: tf.Tensor4D) =>
    tf.tidy(() => {
      const hardSwish = (t: tf.Tensor) => tf.mul(t, tf.div(tf.relu6(tf.add(t, 3)), 6));
      const s = hardSwish(
        tf.add(tf.conv2d(x, ohwiToHwio(stemW.values, [C, 3, 3, 3]), 2, 'same'), stemB.values),
      );
      const d = tf.relu6(
        tf.add(
          tf.depthwiseConv2d(s as tf.Tensor4D, tf.tensor4d(dwW.values, [3, 3, C, 1]), 1, 'same'),
          dwB.values,
        ),
      );
      const m = tf.mean(d, [1, 2], true) as tf.Tensor4D;
      const e1 = tf.relu(
        tf.add(tf.conv2d(m, ohwiToHwio(seW1.values, [4, 1, 1, C]), 1, 'same'), seB1.values),
      ) as tf.Tensor4D;
      const e2 = tf.sigmoid(
        tf.add(tf.conv2d(e1, ohwiToHwio(seW2.values, [C, 1, 1, 4]), 1, 'same'), seB2.values),
      );
      const features = tf.mean(tf.add(tf.mul(d, e2), s), [1, 2]) as tf.Tensor2D;
      const scores = tf.softmax(
        tf.add(tf.matMul(features, tf.tensor2d(fcW.values, [classes, C]), false, true), fcB.values),
      ) as tf.Tensor2D;
      return { scores, features };
    });
  return { spec, reference };
}

/** input [1, 4, 4, 3] → MEAN over height and width → [1, 3]: the outputs are the normalised channel means. */
export function channelMeans(
  options: { quantizedInput?: { scale: number; zeroPoint: number } } = {},
): GraphSpec {
  const q = options.quantizedInput;
  return {
    tensors: [
      q
        ? {
            shape: [1, 4, 4, 3],
            type: TensorType.UINT8,
            quantization: { scale: [q.scale], zeroPoint: [q.zeroPoint] },
          }
        : { shape: [1, 4, 4, 3] },
      { shape: [2], type: TensorType.INT32, data: int32Bytes([1, 2]) },
      { shape: [1, 1, 1, 3] },
      { shape: [2], type: TensorType.INT32, data: int32Bytes([1, 3]) },
      { shape: [1, 3] },
    ],
    ops: [
      {
        op: Op.MEAN,
        inputs: [0, 1],
        outputs: [2],
        options: (b) => [BuiltinOptions.ReducerOptions, ReducerOptions.createReducerOptions(b, true)],
      },
      {
        op: Op.RESHAPE,
        inputs: [2, 3],
        outputs: [4],
        options: (b) => [BuiltinOptions.ReshapeOptions, ReshapeOptions.createReshapeOptions(b, 0)],
      },
    ],
    inputs: [0],
    outputs: [4],
  };
}
