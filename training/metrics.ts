/** One evaluated image: its true label and the model's score for each label of the data set. */
export interface ScoredSample {
  id: string;
  truth: number;
  /** Score per data-set label; the predicted label is the best one unless `predicted` says otherwise. */
  scores: ArrayLike<number>;
  /** The model's top answer as a label index, or -1 for a class outside the data set's labels. */
  predicted?: number;
  /** The model's top answer by name, where it is not one of the data set's labels. */
  predictedName?: string;
  confidence?: number;
}

export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  /** The score threshold at which "this label iff score ≥ threshold" has the best F1 (Custom Labels reports it). */
  threshold: number;
  thresholdF1: number;
}

export interface Mistake {
  id: string;
  truth: string;
  predicted: string;
  confidence: number;
  /** The model's score for the true label. */
  truthScore: number;
}

export interface Metrics {
  count: number;
  accuracy: number;
  macroF1: number;
  labels: LabelMetrics[];
  /** Rows: true label; columns: predicted label, then "(other)" for answers outside the labels. */
  confusion: number[][];
  /** Confident wrong answers first. */
  mistakes: Mistake[];
}

export const OTHER = '(other)';

const f1Of = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? 0) > (values[best] ?? 0)) best = i;
  return best;
}

/** Sweeps every distinct score as a threshold for one label and keeps the one with the best F1. */
export function bestThreshold(scores: number[], positive: boolean[]): { threshold: number; f1: number } {
  const order = scores.map((s, i) => [s, positive[i] ? 1 : 0] as const).sort((a, b) => b[0] - a[0]);
  const positives = order.reduce((n, [, p]) => n + p, 0);
  let best = { threshold: 1, f1: 0 };
  let tp = 0;
  for (let i = 0; i < order.length; i++) {
    tp += order[i]?.[1] ?? 0;
    // Ties move together: a threshold cannot split equal scores.
    if (i + 1 < order.length && order[i + 1]?.[0] === order[i]?.[0]) continue;
    const f1 = f1Of(ratio(tp, i + 1), ratio(tp, positives));
    if (f1 > best.f1) best = { threshold: order[i]?.[0] ?? 1, f1 };
  }
  return best;
}

export function computeMetrics(
  labels: readonly string[],
  samples: readonly ScoredSample[],
  maxMistakes = 24,
): Metrics {
  const n = labels.length;
  const confusion = labels.map(() => new Array<number>(n + 1).fill(0));
  const mistakes: Mistake[] = [];
  let correct = 0;
  for (const s of samples) {
    const predicted = s.predicted ?? argmax(s.scores);
    const column = predicted < 0 ? n : predicted;
    const row = confusion[s.truth];
    if (row) row[column] = (row[column] ?? 0) + 1;
    if (predicted === s.truth) correct++;
    else {
      mistakes.push({
        id: s.id,
        truth: labels[s.truth] ?? String(s.truth),
        predicted: predicted < 0 ? (s.predictedName ?? OTHER) : (labels[predicted] ?? String(predicted)),
        confidence: s.confidence ?? s.scores[predicted] ?? 0,
        truthScore: s.scores[s.truth] ?? 0,
      });
    }
  }
  const perLabel = labels.map((label, i) => {
    const tp = confusion[i]?.[i] ?? 0;
    const support = confusion[i]?.reduce((a, b) => a + b, 0) ?? 0;
    const predictedAs = confusion.reduce((sum, row) => sum + (row[i] ?? 0), 0);
    const precision = ratio(tp, predictedAs);
    const recall = ratio(tp, support);
    const sweep = bestThreshold(
      samples.map((s) => s.scores[i] ?? 0),
      samples.map((s) => s.truth === i),
    );
    return {
      label,
      precision,
      recall,
      f1: f1Of(precision, recall),
      support,
      threshold: sweep.threshold,
      thresholdF1: sweep.f1,
    };
  });
  const present = perLabel.filter((l) => l.support > 0);
  // Drop the "(other)" column when nothing went there (always so for a trained head).
  const keepOther = confusion.some((row) => (row[n] ?? 0) > 0);
  return {
    count: samples.length,
    accuracy: ratio(correct, samples.length),
    macroF1: ratio(
      present.reduce((sum, l) => sum + l.f1, 0),
      present.length,
    ),
    labels: perLabel,
    confusion: keepOther ? confusion : confusion.map((row) => row.slice(0, n)),
    mistakes: mistakes.sort((a, b) => b.confidence - a.confidence).slice(0, maxMistakes),
  };
}
