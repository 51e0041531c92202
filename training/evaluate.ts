import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Jimp } from 'jimp';
import {
  type BackendChoice,
  type Classifier,
  LambdaVisionError,
  loadClassifier,
  MAX_TOP_K,
} from '../function/classifier/index';
import type { LabelledImage } from './dataset';
import { type DatasetOptions, readDataset } from './dataset';
import type { SkippedImage } from './extract';
import { computeMetrics, type ScoredSample } from './metrics';
import { type EvaluationReport, reportHtml, reportMarkdown } from './report';

export const EVALUATION_FILES = {
  json: 'evaluation.json',
  markdown: 'evaluation.md',
  html: 'evaluation.html',
} as const;

/** A small JPEG data: URI of an image, for the HTML report; undefined where it cannot be decoded. */
export async function thumbnail(bytes: Uint8Array, width = 160): Promise<string | undefined> {
  try {
    const image = await Jimp.fromBuffer(Buffer.from(bytes));
    if (image.width > width || image.height > width) image.scaleToFit({ w: width, h: width });
    const jpeg = await image.getBuffer('image/jpeg', { quality: 70 });
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return undefined;
  }
}

/** Writes evaluation.json, .md and .html (with thumbnails of the worst mistakes) into `dir`. */
export async function writeEvaluation(
  dir: string,
  report: EvaluationReport,
  items: ReadonlyMap<string, LabelledImage>,
): Promise<void> {
  const thumbnails = new Map<string, string>();
  for (const mistake of report.metrics.mistakes) {
    const item = items.get(mistake.id);
    const uri = item && (await thumbnail(await item.read().catch(() => new Uint8Array())));
    if (uri) thumbnails.set(mistake.id, uri);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, EVALUATION_FILES.json), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(dir, EVALUATION_FILES.markdown), reportMarkdown(report));
  await writeFile(path.join(dir, EVALUATION_FILES.html), reportHtml(report, thumbnails));
}

/** Lower case, and each comma-separated synonym of an ImageNet class name ("tabby, tabby cat"). */
const namesOf = (label: string) =>
  label
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Maps the model's class names onto the data set's labels: exact names for a trained model, any synonym
 * for an ImageNet one (a folder named "tabby" matches "tabby, tabby cat").
 */
function labelMatcher(labels: readonly string[]): (name: string) => number {
  const index = new Map<string, number>();
  labels.forEach((label, i) => {
    index.set(label.toLowerCase(), i);
  });
  return (name) => {
    const exact = index.get(name.toLowerCase());
    if (exact !== undefined) return exact;
    for (const synonym of namesOf(name)) {
      const hit = index.get(synonym);
      if (hit !== undefined) return hit;
    }
    return -1;
  };
}

export interface EvaluateOptions {
  modelDir: string;
  data: string;
  backend?: BackendChoice;
  s3?: DatasetOptions['s3'];
  onProgress?: (done: number, total: number) => void;
  /** Where to write the reports (none written when absent). */
  outDir?: string;
}

/** Evaluates any model the core loads on labelled data whose label names are the model's class names. */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationReport> {
  const dataset = await readDataset(options.data, { s3: options.s3 });
  const labels = [...new Set(dataset.items.map((i) => i.label))].sort();
  const match = labelMatcher(labels);
  const classifier: Classifier = await loadClassifier({
    modelDir: options.modelDir,
    backend: options.backend,
    // As the CLI and the deployed function with its decoder layer read images: sharp where it loads.
    decoder: 'auto',
  });
  const samples: ScoredSample[] = [];
  const skipped: SkippedImage[] = [];
  try {
    const topK = Math.min(MAX_TOP_K, classifier.model.classes);
    for (const [n, item] of dataset.items.entries()) {
      try {
        const result = await classifier.classify(await item.read(), { topK });
        const scores = new Array<number>(labels.length).fill(0);
        for (const p of result.predictions) {
          const i = match(p.label);
          if (i >= 0) scores[i] = Math.max(scores[i] ?? 0, p.probability);
        }
        const top = result.predictions[0];
        samples.push({
          id: item.id,
          truth: labels.indexOf(item.label),
          scores,
          predicted: top ? match(top.label) : -1,
          predictedName: top?.label,
          confidence: top?.probability ?? 0,
        });
      } catch (error) {
        const code =
          error instanceof LambdaVisionError
            ? error.code
            : ((error as { code?: string }).code ?? 'READ_FAILED');
        skipped.push({ id: item.id, code, message: (error as Error).message });
      }
      options.onProgress?.(n + 1, dataset.items.length);
    }
  } finally {
    classifier.dispose();
  }
  const report: EvaluationReport = {
    model: classifier.model.name,
    data: options.data,
    date: new Date().toISOString(),
    labels,
    metrics: computeMetrics(labels, samples),
    skipped,
  };
  if (options.outDir) {
    await writeEvaluation(options.outDir, report, new Map(dataset.items.map((i) => [i.id, i])));
  }
  return report;
}
