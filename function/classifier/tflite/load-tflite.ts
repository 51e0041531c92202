import { readFile } from 'node:fs/promises';
import { ErrorCode, ModelError } from '../errors';
import { type ModelFacts, type Predictor, type ScoreRow, staticWidth } from '../predictor';
import { tf } from '../tfjs-core';
import type { OutputKind } from '../top-k';
import { quantizedRange } from './constants';
import { BuiltinOperator, TensorType } from './generated/tflite-schema';
import { compileTflite } from './interpreter';
import { readTfliteMetadata, type TfliteMetadata } from './metadata';
import { readTfliteModel, type TfliteGraph, type TfliteOperator, type TfliteTensor } from './read-model';

/** Metadata normalisation (pixel units) as the manifest's terms: a range when every channel agrees. */
function normalizationFacts(n: NonNullable<TfliteMetadata['normalization']>): ModelFacts {
  const [m0, m1, m2] = n.mean;
  const [s0, s1, s2] = n.std;
  if (m0 === m1 && m1 === m2 && s0 === s1 && s1 === s2)
    return { inputRange: [(0 - m0) / s0, (255 - m0) / s0] };
  // (x - m) / s = (x/255 - m/255) / (s/255)
  return {
    normalize: {
      mean: n.mean.map((m) => m / 255) as [number, number, number],
      std: n.std.map((s) => s / 255) as [number, number, number],
    },
  };
}

/** A quantized input says which float values its integers stand for; a raw uint8 input takes 0..255. */
function inputRangeOf(input: TfliteTensor): [number, number] | undefined {
  return (
    quantizedRange(input) ?? (input.type === TensorType.UINT8 && !input.quantization ? [0, 255] : undefined)
  );
}

/** Ops between the classifying layer (or the softmax) and the output that change neither width nor values. */
const PASS_THROUGH: ReadonlySet<BuiltinOperator> = new Set([
  BuiltinOperator.RESHAPE,
  BuiltinOperator.SQUEEZE,
  BuiltinOperator.QUANTIZE,
  BuiltinOperator.DEQUANTIZE,
]);

/**
 * The output's width from its static shape, and its kind from the op that makes it: a SOFTMAX gives
 * probabilities, a FULLY_CONNECTED or CONV_2D logits; anything else is left to the warm-up to tell.
 */
function scoreRow(graph: TfliteGraph): ScoreRow | undefined {
  const output = graph.tensors[graph.outputs[0] as number];
  const width = staticWidth(output?.shape);
  if (!output || !width) return undefined;
  const producer = new Map<number, TfliteOperator>();
  for (const op of graph.operators) for (const out of op.outputs) producer.set(out, op);
  let op = producer.get(output.index);
  while (op && PASS_THROUGH.has(op.code)) op = producer.get(op.inputs[0] as number);
  const kind: OutputKind | undefined =
    op?.code === BuiltinOperator.SOFTMAX
      ? 'probabilities'
      : op?.code === BuiltinOperator.FULLY_CONNECTED || op?.code === BuiltinOperator.CONV_2D
        ? 'logits'
        : undefined;
  return { width, ...(kind ? { kind } : {}) };
}

/**
 * Loads a `.tflite` classifier as a Predictor on whatever TF.js backend is active: the FlatBuffer is read
 * with the flatc-generated accessors, weights are dequantized once, and every operator runs as TF.js ops
 * (fused conv/depthwise/matMul kernels with bias and activation). Inference is in float.
 */
export async function loadTflitePredictor(file: string): Promise<Predictor> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new ModelError(ErrorCode.MODEL_NOT_FOUND, `cannot read ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const graph = readTfliteModel(bytes, file);
  const input = graph.tensors[graph.inputs[0] as number] as TfliteTensor;
  if (input.shape.length !== 4 || input.shape[3] !== 3) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `${file} takes input of shape [${input.shape}]; an image classifier takes [batch, height, width, 3]`,
    );
  }
  let metadata: TfliteMetadata;
  try {
    metadata = readTfliteMetadata(graph);
  } catch (cause) {
    throw new ModelError(ErrorCode.MODEL_INVALID, (cause as Error).message, { cause });
  }
  const program = compileTflite(graph);
  const output = graph.outputs[0] as number;
  const last = graph.operators.length - 1;
  const range = inputRangeOf(input);
  const facts: ModelFacts = {
    ...(range ? { inputRange: range } : {}),
    ...(metadata.normalization ? normalizationFacts(metadata.normalization) : {}),
    ...(metadata.labels ? { labels: { labels: metadata.labels.names, source: metadata.labels.source } } : {}),
    ...(metadata.name ? { name: metadata.name } : {}),
  };
  const rows = (x: tf.Tensor, batch: number): tf.Tensor2D => tf.reshape(x, [batch, -1]);
  const [height = 0, width = 0] = input.shape.slice(1, 3);
  const features = program.features;
  const scores = scoreRow(graph);
  const embeddingSize = features && staticWidth(graph.tensors[features.tensor]?.shape);
  return {
    inputSize: height > 0 && width > 0 ? [height, width] : undefined,
    ...(scores ? { scores } : {}),
    ...(embeddingSize ? { embeddingSize } : {}),
    facts,
    predict: (x) => tf.tidy(() => rows(program.run(x, output, last), x.shape[0])),
    ...(features
      ? {
          embed: (x: tf.Tensor4D) =>
            tf.tidy(() => rows(program.run(x, features.tensor, features.before - 1), x.shape[0])),
        }
      : {}),
    dispose: () => program.dispose(),
  };
}
