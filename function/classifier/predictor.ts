import { ErrorCode, ModelError } from './errors';
import type { LabelSource } from './labels';
import { tf } from './tfjs-core';
import type { OutputKind } from './top-k';

/**
 * Facts a model file states about itself (TFLite quantization parameters and metadata): used where the
 * manifest says nothing.
 */
export interface ModelFacts {
  name?: string;
  inputRange?: [number, number];
  /** (x/255 - mean) / std per channel, as in the manifest. */
  normalize?: { mean: [number, number, number]; std: [number, number, number] };
  labels?: LabelSource;
}

/** A model's score row as its file states it: how wide, and whether it is already a softmax. */
export interface ScoreRow {
  width: number;
  /** Undefined where the file does not show it (the warm-up output tells). */
  kind?: OutputKind;
}

/** What the classifier needs of any model: one batch in, one score row per image out. */
export interface Predictor {
  /** [height, width] from the model's input signature, when it fixes them. */
  inputSize?: [number, number];
  /** The score row, when the file states its width (a model without it is warmed up to learn it). */
  scores?: ScoreRow;
  /** How many values `embed` gives per image, when the file states it. */
  embeddingSize?: number;
  facts?: ModelFacts;
  predict(input: tf.Tensor4D): tf.Tensor2D;
  /**
   * The features the classification head reads (the penultimate layer), one row per image: what custom
   * heads are trained on. Absent where the format cannot expose them.
   */
  embed?(input: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

export function firstTensor(output: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor {
  const tensor =
    output instanceof tf.Tensor ? output : Array.isArray(output) ? output[0] : Object.values(output)[0];
  if (!tensor) throw new ModelError(ErrorCode.MODEL_INVALID, 'the model produced no output tensor');
  return tensor;
}

export function asScores(tensor: tf.Tensor): tf.Tensor2D {
  // Some converted graphs keep a [N, 1, 1, C] head; flatten everything after the batch dimension.
  return tensor.rank === 2 ? (tensor as tf.Tensor2D) : tf.reshape(tensor, [tensor.shape[0] ?? 1, -1]);
}

/** Values per image of a shape that is static after the batch dimension (a TFLite or symbolic shape). */
export function staticWidth(shape: ReadonlyArray<number | null | undefined> | undefined): number | undefined {
  const dims = shape?.slice(1) ?? [];
  return dims.length > 0 && dims.every((d) => typeof d === 'number' && d > 0)
    ? (dims as number[]).reduce((a, b) => a * b, 1)
    : undefined;
}

export function sizeFromShape(
  shape: ReadonlyArray<number | null | undefined> | undefined,
): [number, number] | undefined {
  // NHWC with a known H and W; anything else (NCHW, dynamic) must come from the manifest.
  if (shape?.length === 4 && shape[3] === 3 && typeof shape[1] === 'number' && typeof shape[2] === 'number') {
    if (shape[1] > 0 && shape[2] > 0) return [shape[1], shape[2]];
  }
  return undefined;
}
