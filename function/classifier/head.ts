import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, ModelError } from './errors';
import type { HeadManifest } from './manifest';
import { l2Normalize, type Neighbours, neighbourProbabilities } from './neighbours';
import type { Predictor } from './predictor';
import { tf } from './tfjs-core';

/** Floats the weights file must hold for this head, in the order the manifest documents. */
export function headWeightCount(head: HeadManifest): number {
  const size = head.embeddingSize;
  const dense = head.dense ? size * head.dense.classes.length + head.dense.classes.length : 0;
  return 2 * size + dense + (head.neighbours ? head.neighbours.labels.length * size : 0);
}

function oneHot(indices: readonly number[], depth: number): tf.Tensor2D {
  return tf.tidy(
    () => tf.cast(tf.oneHot(tf.tensor1d([...indices], 'int32'), depth), 'float32') as tf.Tensor2D,
  );
}

/**
 * Puts a trained head on a base predictor: base.embed → standardise → softmax layer and/or neighbour vote
 * → one probability per label. Where both exist, the neighbours decide how much goes to the few-shot
 * labels and the softmax layer shares the rest among the labels it was trained on.
 */
export async function attachHead(
  base: Predictor,
  head: HeadManifest,
  manifestDir: string,
): Promise<Predictor> {
  const file = path.resolve(manifestDir, head.weights);
  const embed = base.embed?.bind(base);
  if (!embed) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `the base model cannot expose its embeddings, so the head in ${file} cannot run on it`,
    );
  }
  // Checked here where the base states its width; otherwise the warm-up (or the first image) finds out.
  if (base.embeddingSize !== undefined && base.embeddingSize !== head.embeddingSize) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `the base model's embeddings have ${base.embeddingSize} values but the head expects ${head.embeddingSize}`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new ModelError(
      ErrorCode.MODEL_NOT_FOUND,
      `head weights ${file} cannot be read: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const expected = headWeightCount(head);
  if (bytes.length !== expected * 4) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `head weights ${file} hold ${bytes.length} bytes but the manifest's head needs ${expected * 4}`,
    );
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const size = head.embeddingSize;
  let at = 0;
  const take = (n: number) => {
    const part = floats.subarray(at, at + n);
    at += n;
    return part;
  };
  const mean = tf.tensor1d(take(size));
  const scale = tf.tensor1d(take(size));
  const kept: tf.Tensor[] = [mean, scale];
  let dense: { kernel: tf.Tensor2D; bias: tf.Tensor1D; spread: tf.Tensor2D } | undefined;
  if (head.dense) {
    const c = head.dense.classes.length;
    dense = {
      kernel: tf.tensor2d(take(size * c), [size, c]),
      bias: tf.tensor1d(take(c)),
      spread: oneHot(head.dense.classes, head.labels),
    };
    kept.push(dense.kernel, dense.bias, dense.spread);
  }
  let neighbours: Neighbours | undefined;
  let fewShot: tf.Tensor1D | undefined;
  if (head.neighbours) {
    const n = head.neighbours.labels.length;
    neighbours = {
      exemplars: tf.tensor2d(take(n * size), [n, size]),
      oneHot: oneHot(head.neighbours.labels, head.labels),
      k: head.neighbours.k,
      temperature: head.neighbours.temperature,
    };
    const trained = new Set(head.dense?.classes ?? []);
    fewShot = tf.tensor1d(Array.from({ length: head.labels }, (_, i) => (trained.has(i) ? 0 : 1)));
    kept.push(neighbours.exemplars, neighbours.oneHot, fewShot);
  }

  const classify = (features: tf.Tensor2D): tf.Tensor2D => {
    if (features.shape[1] !== size) {
      throw new ModelError(
        ErrorCode.MODEL_INVALID,
        `the base model's embeddings have ${features.shape[1]} values but the head expects ${size}`,
      );
    }
    const z = tf.div(tf.sub(features, mean), scale) as tf.Tensor2D;
    const denseProbs = dense
      ? (tf.matMul(tf.softmax(tf.add(tf.matMul(z, dense.kernel), dense.bias)), dense.spread) as tf.Tensor2D)
      : undefined;
    if (!neighbours || !fewShot) return denseProbs as tf.Tensor2D;
    const votes = neighbourProbabilities(l2Normalize(z), neighbours);
    if (!denseProbs) return votes;
    const toTrained = tf.sum(tf.mul(votes, tf.sub(1, fewShot)), 1, true);
    return tf.add(tf.mul(votes, fewShot), tf.mul(denseProbs, toTrained)) as tf.Tensor2D;
  };

  return {
    inputSize: base.inputSize,
    // One probability per label, whatever the base said of its own scores; stated only where the base's
    // embedding width was checked above, so a model without a warm-up has nothing left to find.
    ...(base.embeddingSize !== undefined
      ? { scores: { width: head.labels, kind: 'probabilities' as const } }
      : {}),
    embeddingSize: base.embeddingSize,
    // The base's preprocessing facts still hold; its class names do not (the head has its own labels).
    ...(base.facts && { facts: { ...base.facts, labels: undefined, name: undefined } }),
    predict: (input) => classify(embed(input)),
    embed,
    dispose: () => {
      for (const t of kept) t.dispose();
      base.dispose();
    },
  };
}
