import { ErrorCode, ModelError } from '../errors';
import { floatTensor } from '../float-tensor';
import { tf } from '../tfjs-core';
import { constantValues, dequantizeInto, valueCount } from './constants';
import { BuiltinOperator } from './generated/tflite-schema';
import { type BuildContext, type Env, type Kernel, OPS, type Ref } from './ops';
import type { TfliteGraph, TfliteOperator } from './read-model';

export interface TfliteProgram {
  /** Runs the graph up to (and including) operator `until`; returns the value of tensor `output`. */
  run(input: tf.Tensor4D, output: number, until: number): tf.Tensor;
  /** The classification head's input (penultimate features) and the index of the op that reads it. */
  features?: { tensor: number; before: number };
  /** Tensors made at load (weights), disposed with the model. */
  dispose(): void;
}

/** Ops that only reshape, rescale or normalise the logits after the classification head. */
const AFTER_HEAD: ReadonlySet<BuiltinOperator> = new Set([
  BuiltinOperator.RESHAPE,
  BuiltinOperator.SQUEEZE,
  BuiltinOperator.SOFTMAX,
  BuiltinOperator.LOGISTIC,
  BuiltinOperator.QUANTIZE,
  BuiltinOperator.DEQUANTIZE,
]);

/**
 * The classification head: walking back from the output through reshapes and the softmax, the first
 * FULLY_CONNECTED or 1x1 CONV_2D. Its input is what custom heads are trained on.
 */
function findHead(graph: TfliteGraph): { tensor: number; before: number } | undefined {
  const producer = new Map<number, TfliteOperator>();
  for (const op of graph.operators) for (const out of op.outputs) producer.set(out, op);
  let op = producer.get(graph.outputs[0] as number);
  while (op && AFTER_HEAD.has(op.code)) op = producer.get(op.inputs[0] as number);
  if (!op) return undefined;
  const filter = graph.tensors[op.inputs[1] ?? -1]?.shape ?? [];
  const isHead =
    op.code === BuiltinOperator.FULLY_CONNECTED ||
    (op.code === BuiltinOperator.CONV_2D && filter[1] === 1 && filter[2] === 1);
  const tensor = op.inputs[0];
  return isHead && tensor !== undefined ? { tensor, before: op.index } : undefined;
}

/**
 * Compiles the graph into TF.js calls once: every operator becomes a closure over its prepared weights
 * (transposed and dequantized at load). Unsupported operators fail here, naming the op and the file.
 */
export function compileTflite(graph: TfliteGraph): TfliteProgram {
  const kept: tf.Tensor[] = [];
  const constants = new Map<number, tf.Tensor>();
  const inputIndex = graph.inputs[0] as number;

  const unsupported = graph.operators.filter((op) => !OPS[op.code]);
  if (unsupported.length > 0) {
    const names = [...new Set(unsupported.map((op) => op.name))];
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `${graph.file} uses TensorFlow Lite operator${names.length > 1 ? 's' : ''} ${names.join(', ')}, which this importer does not support (supported: ${Object.keys(
        OPS,
      )
        .map((code) => BuiltinOperator[Number(code)])
        .join(', ')})`,
    );
  }

  const ctx: BuildContext = {
    tensor(index) {
      const t = graph.tensors[index];
      if (!t) throw new Error(`tensor ${index} does not exist`);
      return t;
    },
    has: (op, position) => (op.inputs[position] ?? -1) >= 0,
    values(op, position) {
      return constantValues(ctx.tensor(op.inputs[position] ?? -1));
    },
    weight(op, position, shape, transpose = false) {
      const tensor = ctx.tensor(op.inputs[position] ?? -1);
      const count = valueCount(tensor);
      if (shape.reduce((a, b) => a * b, 1) !== count) {
        throw new Error(`${op.name} (operator ${op.index}): ${count} values do not make shape [${shape}]`);
      }
      return ctx.keep(floatTensor(shape, (into) => dequantizeInto(tensor, into, transpose)));
    },
    keep(tensor) {
      kept.push(tensor);
      return tensor;
    },
    input(op, position): Ref {
      const index = op.inputs[position] ?? -1;
      if (index < 0) throw new Error(`${op.name} (operator ${op.index}) lacks its input ${position}`);
      const tensor = ctx.tensor(index);
      if (tensor.data) {
        let constant = constants.get(index);
        if (!constant) {
          const values = constantValues(tensor);
          constant = ctx.keep(
            values instanceof Float32Array
              ? tf.tensor(values, tensor.shape)
              : tf.tensor(values, tensor.shape, 'int32'),
          );
          constants.set(index, constant);
        }
        const value = constant;
        return () => value;
      }
      return (env) => {
        const value = env.get(index);
        if (!value)
          throw new Error(`${op.name} (operator ${op.index}) reads tensor ${index} before it is computed`);
        return value;
      };
    },
  };

  const kernels: Kernel[] = [];
  try {
    for (const op of graph.operators)
      kernels.push((OPS[op.code] as NonNullable<(typeof OPS)[BuiltinOperator]>)(op, ctx));
  } catch (cause) {
    tf.dispose(kept);
    throw new ModelError(ErrorCode.MODEL_INVALID, `${graph.file}: ${(cause as Error).message}`, { cause });
  }

  // The last operator reading each tensor, so activations are freed as soon as they are used up.
  const lastUse = new Map<number, number>();
  graph.operators.forEach((op, i) => {
    for (const index of op.inputs) if (index >= 0) lastUse.set(index, i);
  });

  return {
    features: findHead(graph),
    run(input, output, until) {
      const env: Env = new Map([[inputIndex, input as tf.Tensor]]);
      for (let i = 0; i <= until; i++) {
        const op = graph.operators[i] as TfliteOperator;
        const y = (kernels[i] as Kernel)(env);
        env.set(op.outputs[0] as number, y);
        for (const index of op.inputs) {
          if (lastUse.get(index) !== i || index === output || index === inputIndex) continue;
          const value = env.get(index);
          env.delete(index);
          // QUANTIZE and DEQUANTIZE pass the same tensor on: free it only when no one else holds it.
          if (value && value !== input && ![...env.values()].includes(value)) value.dispose();
        }
      }
      const result = env.get(output);
      if (!result)
        throw new ModelError(ErrorCode.MODEL_INVALID, `${graph.file}: tensor ${output} is never computed`);
      return result;
    },
    dispose: () => tf.dispose(kept),
  };
}
