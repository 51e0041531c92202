import { readFile } from 'node:fs/promises';
import { ErrorCode, ModelError } from '../errors';
import type { ModelFacts, Predictor } from '../predictor';
import { tf } from '../tfjs-core';
import { quantizedRange } from './constants';
import { TensorType } from './generated/tflite-schema';
import { compileTflite } from './interpreter';
import { readTfliteMetadata, type TfliteMetadata } from './metadata';
import { readTfliteModel, type TfliteTensor } from './read-model';

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
  return {
    inputSize: height > 0 && width > 0 ? [height, width] : undefined,
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
