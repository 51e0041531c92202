import { tf } from '../tfjs-core';
import { valueCount } from './constants';
import {
  ActivationFunctionType,
  AddOptions,
  BuiltinOperator,
  BuiltinOptions,
  ConcatenationOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  FullyConnectedOptions,
  MulOptions,
  Padding,
  Pool2DOptions,
  ReducerOptions,
  ReshapeOptions,
  SoftmaxOptions,
  SqueezeOptions,
} from './generated/tflite-schema';
import type { TfliteOperator, TfliteTensor } from './read-model';

/** Values of the activations computed so far, by tensor index. */
export type Env = Map<number, tf.Tensor>;
/** An operator's input: a constant prepared at load, or an activation read at run time. */
export type Ref = (env: Env) => tf.Tensor;
export type Kernel = (env: Env) => tf.Tensor;

export interface BuildContext {
  tensor(index: number): TfliteTensor;
  /** Input `position` of `op`; throws naming the op when a required input is missing. */
  input(op: TfliteOperator, position: number): Ref;
  /** True when input `position` is present (optional inputs are -1). */
  has(op: TfliteOperator, position: number): boolean;
  /** A constant input's values (dequantized floats, or integers for shapes and axes). */
  values(op: TfliteOperator, position: number): Float32Array | Int32Array;
  /**
   * A constant input as a float tensor of `shape`, kept for the model's lifetime. With `transpose`, the
   * file's first dimension moves last ([out, ...rest] to [...rest, out]).
   */
  weight(op: TfliteOperator, position: number, shape: number[], transpose?: boolean): tf.Tensor;
  /** Keeps a tensor made at load for the model's lifetime (disposed with the model). */
  keep<T extends tf.Tensor>(tensor: T): T;
}

type OpBuilder = (op: TfliteOperator, ctx: BuildContext) => Kernel;

/** An operator's builtin options as the generated accessor, or undefined when the file stores none. */
function options<T>(op: TfliteOperator, type: BuiltinOptions, make: () => T): T | undefined {
  if (op.raw.builtinOptionsType() !== type) return undefined;
  return (op.raw.builtinOptions(make()) as T | null) ?? undefined;
}

type FusedActivation = 'linear' | 'relu' | 'relu6';

/**
 * Activations TF.js runs inside conv and matMul kernels; others run after the op. On wasm the clamp runs
 * inside the XNNPACK kernel, so a conv or depthwise conv with its bias and relu6 is one kernel where the
 * TF.js layers twin of the same weights runs up to three (conv, bias Add, Relu6): measured on a
 * [1, 112, 112, 96] stride-2 depthwise, 0.66 ms fused against 0.82 ms as three kernels.
 */
const FUSED: Partial<Record<ActivationFunctionType, FusedActivation>> = {
  [ActivationFunctionType.NONE]: 'linear',
  [ActivationFunctionType.RELU]: 'relu',
  [ActivationFunctionType.RELU6]: 'relu6',
};

const ACTIVATIONS: Partial<Record<ActivationFunctionType, (x: tf.Tensor) => tf.Tensor>> = {
  [ActivationFunctionType.NONE]: (x) => x,
  [ActivationFunctionType.RELU]: (x) => tf.relu(x),
  [ActivationFunctionType.RELU6]: (x) => tf.relu6(x),
  [ActivationFunctionType.RELU_N1_TO_1]: (x) => tf.clipByValue(x, -1, 1),
  [ActivationFunctionType.TANH]: (x) => tf.tanh(x),
};

function activation(op: TfliteOperator, type: ActivationFunctionType): (x: tf.Tensor) => tf.Tensor {
  const apply = ACTIVATIONS[type];
  if (!apply) {
    throw new Error(
      `${op.name} (operator ${op.index}) has fused activation ${ActivationFunctionType[type] ?? type}, which is not supported`,
    );
  }
  return apply;
}

/** Splits a fused activation into the part a TF.js fused kernel runs and the rest. */
function fusedActivation(op: TfliteOperator, type: ActivationFunctionType) {
  const fused = FUSED[type];
  return fused
    ? { fused, after: (x: tf.Tensor) => x }
    : { fused: 'linear' as const, after: activation(op, type) };
}

const padding = (p: Padding | undefined): 'same' | 'valid' => (p === Padding.VALID ? 'valid' : 'same');

function bias(op: TfliteOperator, ctx: BuildContext, position: number): tf.Tensor1D | undefined {
  if (!ctx.has(op, position)) return undefined;
  return ctx.weight(op, position, [valueCount(ctx.tensor(op.inputs[position] as number))]) as tf.Tensor1D;
}

function requireConstant(op: TfliteOperator, ctx: BuildContext, position: number, what: string): void {
  const index = op.inputs[position] ?? -1;
  if (index < 0 || !ctx.tensor(index).data) {
    throw new Error(
      `${op.name} (operator ${op.index}) takes its ${what} from a computed tensor; only constant ${what}s are supported`,
    );
  }
}

/** What CONV_2D and DEPTHWISE_CONV_2D share: the input, the bias, the window and the fused activation. */
function convolution(
  op: TfliteOperator,
  ctx: BuildContext,
  o: Conv2DOptions | DepthwiseConv2DOptions | undefined,
) {
  const b = bias(op, ctx, 2);
  const x = ctx.input(op, 0);
  const { fused, after } = fusedActivation(op, o?.fusedActivationFunction() ?? ActivationFunctionType.NONE);
  return {
    x,
    after,
    bias: b,
    activation: fused,
    strides: [o?.strideH() || 1, o?.strideW() || 1] as [number, number],
    dilations: [o?.dilationHFactor() || 1, o?.dilationWFactor() || 1] as [number, number],
    pad: padding(o?.padding()),
  };
}

const conv2d: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.Conv2DOptions, () => new Conv2DOptions());
  requireConstant(op, ctx, 1, 'filter');
  const shape = ctx.tensor(op.inputs[1] as number).shape; // [out, h, w, in]
  const [out = 0, h = 0, w = 0, inChannels = 0] = shape;
  // TF.js wants [h, w, in, out].
  const filter = ctx.weight(op, 1, [h, w, inChannels, out], true) as tf.Tensor4D;
  const { x, after, ...window } = convolution(op, ctx, o);
  return (env) => after(tf.fused.conv2d({ x: x(env) as tf.Tensor4D, filter, ...window }));
};

const depthwiseConv2d: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.DepthwiseConv2DOptions, () => new DepthwiseConv2DOptions());
  requireConstant(op, ctx, 1, 'filter');
  const inputChannels = ctx.tensor(op.inputs[0] as number).shape[3] ?? 0;
  const [, h = 0, w = 0, out = 0] = ctx.tensor(op.inputs[1] as number).shape; // [1, h, w, in * multiplier]
  if (inputChannels <= 0 || out % inputChannels !== 0) {
    throw new Error(`${op.name} (operator ${op.index}): ${out} filters for ${inputChannels} input channels`);
  }
  // Output channel k = c * multiplier + m, which is TF.js's [h, w, in, multiplier] read row-major.
  const filter = ctx.weight(op, 1, [h, w, inputChannels, out / inputChannels]) as tf.Tensor4D;
  const { x, after, ...window } = convolution(op, ctx, o);
  return (env) => after(tf.fused.depthwiseConv2d({ x: x(env) as tf.Tensor4D, filter, ...window }));
};

const fullyConnected: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.FullyConnectedOptions, () => new FullyConnectedOptions());
  requireConstant(op, ctx, 1, 'weight');
  const [units = 0, depth = 0] = ctx.tensor(op.inputs[1] as number).shape; // [out, in]
  // Transposed once at load to [in, out], so each call is a plain matMul.
  const weights = ctx.weight(op, 1, [depth, units], true) as tf.Tensor2D;
  const b = bias(op, ctx, 2);
  const x = ctx.input(op, 0);
  const keepDims = o?.keepNumDims() ?? false;
  const { fused, after } = fusedActivation(op, o?.fusedActivationFunction() ?? ActivationFunctionType.NONE);
  return (env) => {
    const input = x(env);
    const flat = tf.reshape(input, [-1, depth]) as tf.Tensor2D;
    const y = after(tf.fused.matMul({ a: flat, b: weights, bias: b, activation: fused }));
    return keepDims ? tf.reshape(y, [...input.shape.slice(0, -1), units]) : y;
  };
};

function binary(
  type: BuiltinOptions,
  make: () => AddOptions | MulOptions,
  f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): OpBuilder {
  return (op, ctx) => {
    const o = options(op, type, make);
    const a = ctx.input(op, 0);
    const b = ctx.input(op, 1);
    const act = activation(op, o?.fusedActivationFunction() ?? ActivationFunctionType.NONE);
    return (env) => act(f(a(env), b(env)));
  };
}

function pool(kind: 'avg' | 'max'): OpBuilder {
  return (op, ctx) => {
    const o = options(op, BuiltinOptions.Pool2DOptions, () => new Pool2DOptions());
    const x = ctx.input(op, 0);
    const size: [number, number] = [o?.filterHeight() || 1, o?.filterWidth() || 1];
    const strides: [number, number] = [o?.strideH() || 1, o?.strideW() || 1];
    const pad = padding(o?.padding());
    const act = activation(op, o?.fusedActivationFunction() ?? ActivationFunctionType.NONE);
    const run = kind === 'avg' ? tf.avgPool : tf.maxPool;
    return (env) => act(run(x(env) as tf.Tensor4D, size, strides, pad));
  };
}

/** Static shapes name batch 1; a reshape that keeps the batch first follows the actual batch. */
function batchFree(shape: number[]): number[] {
  return shape.length > 1 && !shape.slice(1).includes(-1) ? [-1, ...shape.slice(1)] : shape;
}

const reshape: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.ReshapeOptions, () => new ReshapeOptions());
  const fromInput =
    ctx.has(op, 1) && ctx.tensor(op.inputs[1] as number).data ? Array.from(ctx.values(op, 1)) : undefined;
  const fromOptions = o && o.newShapeLength() > 0 ? Array.from(o.newShapeArray() ?? []) : undefined;
  // The output's static shape when the file states it fully (a [1, -1] target would fold the batch in).
  const stated = ctx.tensor(op.outputs[0] as number).shape;
  const known = stated.length > 0 && stated.every((d) => d > 0) ? stated : undefined;
  const target = known ?? fromInput ?? fromOptions ?? stated;
  const shape = batchFree(target);
  const x = ctx.input(op, 0);
  return (env) => tf.reshape(x(env), shape);
};

const squeeze: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.SqueezeOptions, () => new SqueezeOptions());
  const dims = o ? Array.from(o.squeezeDimsArray() ?? []) : [];
  const x = ctx.input(op, 0);
  // With no axes, every size-1 axis but the batch goes (the batch is 1 in the file, not at run time).
  return (env) => {
    const input = x(env);
    const axes = dims.length ? dims : input.shape.flatMap((d, i) => (i > 0 && d === 1 ? [i] : []));
    return tf.squeeze(input, axes);
  };
};

const concatenation: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.ConcatenationOptions, () => new ConcatenationOptions());
  const inputs = op.inputs.map((_, i) => ctx.input(op, i));
  const axis = o?.axis() ?? 0;
  const act = activation(op, o?.fusedActivationFunction() ?? ActivationFunctionType.NONE);
  return (env) =>
    act(
      tf.concat(
        inputs.map((x) => x(env)),
        axis,
      ),
    );
};

const mean: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.ReducerOptions, () => new ReducerOptions());
  requireConstant(op, ctx, 1, 'axis');
  const axes = Array.from(ctx.values(op, 1));
  const keepDims = o?.keepDims() ?? false;
  const x = ctx.input(op, 0);
  return (env) => tf.mean(x(env), axes, keepDims);
};

const pad: OpBuilder = (op, ctx) => {
  requireConstant(op, ctx, 1, 'padding');
  const flat = Array.from(ctx.values(op, 1));
  const paddings = Array.from(
    { length: flat.length / 2 },
    (_, i) => [flat[2 * i] ?? 0, flat[2 * i + 1] ?? 0] as [number, number],
  );
  const x = ctx.input(op, 0);
  // Quantized models pad with the zero point, which is real zero: the same as padding the float values.
  return (env) => tf.pad(x(env), paddings);
};

const softmax: OpBuilder = (op, ctx) => {
  const o = options(op, BuiltinOptions.SoftmaxOptions, () => new SoftmaxOptions());
  const beta = o?.beta() || 1;
  const x = ctx.input(op, 0);
  return (env) => tf.softmax(beta === 1 ? x(env) : tf.mul(x(env), beta));
};

function unary(f: (x: tf.Tensor) => tf.Tensor): OpBuilder {
  return (op, ctx) => {
    const x = ctx.input(op, 0);
    return (env) => f(x(env));
  };
}

// hard_swish(x) = x * relu6(x + 3) / 6 (MobileNet v3).
const hardSwish = (x: tf.Tensor): tf.Tensor => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));

/**
 * The operators the importer runs, by builtin code: what ImageNet-style classifiers use. Inference runs
 * in float on dequantized weights, so QUANTIZE and DEQUANTIZE pass values through. A new operator is
 * one entry here.
 */
export const OPS: Partial<Record<BuiltinOperator, OpBuilder>> = {
  [BuiltinOperator.CONV_2D]: conv2d,
  [BuiltinOperator.DEPTHWISE_CONV_2D]: depthwiseConv2d,
  [BuiltinOperator.FULLY_CONNECTED]: fullyConnected,
  [BuiltinOperator.ADD]: binary(BuiltinOptions.AddOptions, () => new AddOptions(), tf.add),
  [BuiltinOperator.MUL]: binary(BuiltinOptions.MulOptions, () => new MulOptions(), tf.mul),
  [BuiltinOperator.MEAN]: mean,
  [BuiltinOperator.AVERAGE_POOL_2D]: pool('avg'),
  [BuiltinOperator.MAX_POOL_2D]: pool('max'),
  [BuiltinOperator.RESHAPE]: reshape,
  [BuiltinOperator.SQUEEZE]: squeeze,
  [BuiltinOperator.CONCATENATION]: concatenation,
  [BuiltinOperator.PAD]: pad,
  [BuiltinOperator.SOFTMAX]: softmax,
  [BuiltinOperator.LOGISTIC]: unary(tf.sigmoid),
  [BuiltinOperator.HARD_SWISH]: unary(hardSwish),
  [BuiltinOperator.RELU]: unary(tf.relu),
  [BuiltinOperator.RELU6]: unary(tf.relu6),
  [BuiltinOperator.QUANTIZE]: unary((x) => x),
  [BuiltinOperator.DEQUANTIZE]: unary((x) => x),
};
