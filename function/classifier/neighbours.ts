import { tf } from './tfjs-core';

export interface Neighbours {
  /** [exemplars, size], rows L2-normalised. */
  exemplars: tf.Tensor2D;
  /** [exemplars, labels]: one-hot label of each exemplar. */
  oneHot: tf.Tensor2D;
  k: number;
  temperature: number;
}

/**
 * Soft k-nearest-neighbour vote, one probability row per query: the k exemplars most similar (cosine) to
 * the query each vote for their label with weight exp(similarity / temperature).
 * `queries` must be L2-normalised like the exemplars. Call inside tf.tidy.
 */
export function neighbourProbabilities(queries: tf.Tensor2D, neighbours: Neighbours): tf.Tensor2D {
  const k = Math.min(neighbours.k, neighbours.exemplars.shape[0]);
  const similarity = tf.matMul(queries, neighbours.exemplars, false, true);
  const { values, indices } = tf.topk(similarity, k);
  // Subtracting the best similarity keeps exp() in range; the ratios are unchanged.
  const weights = tf.exp(tf.div(tf.sub(values, tf.max(values, 1, true)), neighbours.temperature));
  const votes = tf.gather(neighbours.oneHot, indices); // [n, k, labels]
  const summed = tf.sum(tf.mul(votes, tf.expandDims(weights, 2)), 1) as tf.Tensor2D;
  return tf.div(summed, tf.sum(summed, 1, true));
}

/** Rows scaled to unit length (a zero row stays zero). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12));
}
