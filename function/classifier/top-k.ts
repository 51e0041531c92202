export type OutputKind = 'probabilities' | 'logits';

export interface Prediction {
  /** ImageNet class id in 0..999 (background outputs removed). */
  classId: number;
  label: string;
  probability: number;
  /** The raw score, for models that emit logits. */
  logit?: number;
}

/** A softmax output is non-negative and sums to one; anything else is taken for logits. */
export function detectOutputKind(scores: ArrayLike<number>): OutputKind {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (!(s >= 0 && s <= 1)) return 'logits';
    sum += s;
  }
  return Math.abs(sum - 1) < 1e-3 ? 'probabilities' : 'logits';
}

/** Numerically stable softmax: subtracting the maximum keeps exp() from overflowing. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

export interface TopKOptions {
  kind: OutputKind;
  /** Leading outputs that are not classes (TF-slim's "background"). */
  background: number;
  labels: readonly string[];
  topK: number;
  /** Drop predictions below this probability (0..1); the best one is always kept. */
  minConfidence?: number;
}

/** Ranks the classes of one output row, best first. Ties keep the lower class id first. */
export function topK(scores: ArrayLike<number>, options: TopKOptions): Prediction[] {
  const { kind, background, labels, topK: k, minConfidence = 0 } = options;
  const probabilities = kind === 'logits' ? softmax(scores) : scores;
  const order: number[] = [];
  for (let i = background; i < scores.length; i++) order.push(i);
  order.sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number) || a - b);
  return order
    .slice(0, Math.max(1, k))
    .filter((index, rank) => rank === 0 || (probabilities[index] as number) >= minConfidence)
    .map((index) => {
      const classId = index - background;
      const prediction: Prediction = {
        classId,
        label: labels[classId] ?? `class ${classId}`,
        probability: probabilities[index] as number,
      };
      if (kind === 'logits') prediction.logit = scores[index] as number;
      return prediction;
    });
}
