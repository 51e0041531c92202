import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  attachHead,
  type BackendChoice,
  ErrorCode,
  type HeadManifest,
  locateModel,
  MANIFEST_FILE,
  type ModelManifest,
  manifestSchema,
  type Predictor,
} from '../function/classifier/index';
import { type Dataset, type DatasetOptions, type LabelledImage, readDataset } from './dataset';
import { TrainingError } from './errors';
import { writeEvaluation } from './evaluate';
import {
  type Extraction,
  extractEmbeddings,
  modelHash,
  type SkippedImage,
  type WorkerStarter,
} from './extract';
import { exemplarRows, type HeadOptions, standardiser, type TrainedDense, trainDense } from './head-training';
import { computeMetrics, type ScoredSample } from './metrics';
import { checkOutput, copyBase, stagingFolder } from './model-folder';
import { seededRandom, shuffled } from './random';
import type { EvaluationReport } from './report';
import { stratifiedSplit } from './split';

export const PROVENANCE_FILE = 'provenance.json';
export const HEAD_WEIGHTS_FILE = 'head.bin';

export interface TrainOptions {
  data: string;
  out: string;
  /** Base model folder (any model the core loads whose embeddings it can expose). */
  base: string;
  /** Separate labelled test data; otherwise a stratified split of `data`. */
  test?: string;
  testFraction?: number;
  seed?: number;
  force?: boolean;
  /** Also train on mirrored images. */
  augment?: boolean;
  /** Labels with fewer training images than this get nearest neighbours instead of the softmax layer. */
  minHeadImages?: number;
  cacheDir?: string;
  workers?: number;
  backend?: BackendChoice;
  s3?: DatasetOptions['s3'];
  head?: Partial<HeadOptions>;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
  /** How extraction starts its worker threads (see extractEmbeddings). */
  startWorker?: WorkerStarter;
  /** Aborted (Ctrl-C): the run stops at the next stage and writes nothing. */
  signal?: AbortSignal;
}

export interface TrainResult {
  out: string;
  labels: string[];
  counts: Record<string, { train: number; test: number }>;
  denseLabels: string[];
  neighbourLabels: string[];
  skipped: SkippedImage[];
  evaluation: EvaluationReport;
  extraction: Pick<Extraction, 'fromCache' | 'extracted' | 'extractMs' | 'workers'>;
  trainMs: number;
  /** The softmax layer's inverse L2 strength and its cross-validated path; undefined without one. */
  dense?: { c: number; path: TrainedDense['path']; iterations: number };
}

const NEIGHBOUR_EXEMPLARS_PER_TRAINED_LABEL = 20;

function countBy(labels: readonly string[], items: readonly { label: string }[]): Record<string, number> {
  const counts = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const item of items) counts[item.label] = (counts[item.label] ?? 0) + 1;
  return counts;
}

/** Runs a head on stored embeddings through the core's own head code, as the deployed model will. */
async function scoreWithHead(
  head: HeadManifest,
  dir: string,
  rows: readonly Float32Array[],
): Promise<Float32Array[]> {
  const identity: Predictor = {
    predict: (x) => x as unknown as tf.Tensor2D,
    embed: (x) => x as unknown as tf.Tensor2D,
    dispose: () => undefined,
  };
  const predictor = await attachHead(identity, head, dir);
  try {
    return rows.map((row) =>
      tf.tidy(
        () =>
          predictor
            .predict(tf.tensor2d(row, [1, row.length]) as unknown as tf.Tensor4D)
            .dataSync() as Float32Array,
      ),
    );
  } finally {
    predictor.dispose();
  }
}

/**
 * Trains a head on a base model's embeddings and writes a model folder any LambdaVision loader runs:
 * the base model's files, head weights, labels, manifest, provenance and the evaluation on the test split.
 * Undefined when `signal` aborted the run: then nothing is written (the staging folder is removed).
 */
export async function trainModel(options: TrainOptions): Promise<TrainResult | undefined> {
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 42;
  const minHead = options.minHeadImages ?? 10;
  checkOutput(options.out, options.force ?? false);
  const base = await locateModel(options.base);
  if (base.manifest.head) {
    throw new TrainingError(
      ErrorCode.INVALID_OPTION,
      `${options.base} is itself a trained model: give its base model as --base`,
    );
  }
  const data = await readDataset(options.data, { s3: options.s3 });
  const testData: Dataset | undefined = options.test
    ? await readDataset(options.test, { s3: options.s3 })
    : undefined;
  const labels = [...new Set(data.items.map((i) => i.label))].sort();
  if (labels.length < 2) {
    throw new TrainingError(
      ErrorCode.TOO_FEW_LABELS,
      `${options.data} has ${labels.length === 0 ? 'no labels' : `one label ("${labels[0]}")`}: a classifier needs at least two`,
    );
  }
  const unknown = testData
    ? [...new Set(testData.items.map((i) => i.label))].filter((l) => !labels.includes(l))
    : [];
  if (unknown.length > 0) {
    throw new TrainingError(
      ErrorCode.DATASET_INVALID,
      `the test data has labels the training data lacks: ${unknown.join(', ')}`,
    );
  }

  const all: LabelledImage[] = [...data.items, ...(testData?.items ?? [])];
  log(`embedding ${all.length} images with ${options.base}`);
  const extraction = await extractEmbeddings(all, {
    modelDir: options.base,
    workers: options.workers,
    backend: options.backend,
    cacheDir: options.cacheDir,
    mirror: options.augment,
    onProgress: options.onProgress,
    signal: options.signal,
    startWorker: options.startWorker,
  });
  for (const s of extraction.skipped) log(`skipped ${s.id}: ${s.code} ${s.message}`);
  if (options.signal?.aborted) return undefined;

  // Usable images, the same content only once per side.
  const usable = (from: number, to: number) => {
    const seen = new Map<string, number>();
    for (let i = from; i < to; i++) {
      const hash = extraction.hashes[i];
      if (extraction.vectors[i] && hash && !seen.has(hash)) seen.set(hash, i);
    }
    return seen;
  };
  const trainSide = usable(0, data.items.length);
  let trainIdx: number[];
  let testIdx: number[];
  if (testData) {
    const testSide = usable(data.items.length, all.length);
    const both = [...testSide.keys()].filter((h) => trainSide.has(h));
    if (both.length > 0) {
      const examples = both
        .slice(0, 5)
        .map((h) => `${all[trainSide.get(h) as number]?.id} = ${all[testSide.get(h) as number]?.id}`);
      throw new TrainingError(
        ErrorCode.TRAIN_TEST_OVERLAP,
        `${both.length} image(s) are in both the training and the test data (same content), e.g. ${examples.join('; ')}: a test on training images overstates quality`,
      );
    }
    trainIdx = [...trainSide.values()];
    testIdx = [...testSide.values()];
  } else {
    const candidates = [...trainSide.values()];
    const split = stratifiedSplit(
      candidates.map((i) => labels.indexOf(all[i]?.label ?? '')),
      options.testFraction ?? 0.2,
      seed,
    );
    trainIdx = split.train.map((k) => candidates[k] as number);
    testIdx = split.test.map((k) => candidates[k] as number);
  }
  const trainCounts = countBy(
    labels,
    trainIdx.map((i) => all[i] as LabelledImage),
  );
  const empty = labels.filter((l) => (trainCounts[l] ?? 0) === 0);
  if (empty.length > 0) {
    throw new TrainingError(
      ErrorCode.EMPTY_LABEL,
      `no readable training image for label(s) ${empty.join(', ')}: see the skipped images above`,
    );
  }
  if (testIdx.length === 0) {
    throw new TrainingError(
      ErrorCode.DATASET_INVALID,
      'no images left to test on: add images or give --test',
    );
  }
  const testCounts = countBy(
    labels,
    testIdx.map((i) => all[i] as LabelledImage),
  );
  const denseLabels = labels.filter((l) => (trainCounts[l] ?? 0) >= minHead);
  const neighbourLabels = labels.filter((l) => (trainCounts[l] ?? 0) < minHead);
  log(
    `training on ${trainIdx.length} images, testing on ${testIdx.length}: softmax for ${denseLabels.length} label(s), nearest neighbours for ${neighbourLabels.length}`,
  );

  const started = performance.now();
  const rowsOf = (idx: number[]) => idx.map((i) => extraction.vectors[i] as Float32Array);
  const trainRows = rowsOf(trainIdx);
  const size = trainRows[0]?.length ?? 0;
  const { mean, scale } = standardiser(trainRows, size);
  const standard = (row: Float32Array) => row.map((v, j) => (v - (mean[j] ?? 0)) / (scale[j] ?? 1));
  const labelOf = (i: number) => labels.indexOf(all[i]?.label ?? '');
  const parts: Float32Array[] = [mean, scale];
  const head: HeadManifest = { weights: HEAD_WEIGHTS_FILE, embeddingSize: size, labels: labels.length };
  let dense: TrainResult['dense'];
  if (denseLabels.length > 0) {
    const denseIdx = trainIdx.filter((i) => denseLabels.includes(all[i]?.label ?? ''));
    const target = (i: number) => denseLabels.indexOf(all[i]?.label ?? '');
    const trained = await trainDense(
      denseIdx.map((i) => standard(extraction.vectors[i] as Float32Array)),
      denseIdx.map(target),
      denseLabels.length,
      { seed, ...options.head },
      denseIdx.map((i) => {
        const m = extraction.mirrored[i];
        return m && standard(m);
      }),
    );
    dense = { c: trained.c, path: trained.path, iterations: trained.iterations };
    const tried = trained.path.map((p) => `C ${p.c}: ${p.macroF1.toFixed(3)}`).join(', ');
    const why = tried
      ? `chosen by cross-validated macro-F1 (${tried})`
      : options.head?.c !== undefined
        ? 'as given'
        : 'without cross-validation (a label has one training image)';
    log(
      `softmax layer: C ${trained.c} ${why}, then fitted on all ${denseIdx.length} images (${trained.iterations} L-BFGS iterations)`,
    );
    head.dense = { classes: denseLabels.map((l) => labels.indexOf(l)) };
    parts.push(trained.kernel, trained.bias);
  }
  if (neighbourLabels.length > 0) {
    const random = seededRandom(seed + 2);
    const exemplarIdx = labels.flatMap((label) => {
      const mine = trainIdx.filter((i) => all[i]?.label === label);
      return neighbourLabels.includes(label)
        ? mine
        : shuffled(mine, random).slice(0, NEIGHBOUR_EXEMPLARS_PER_TRAINED_LABEL);
    });
    head.neighbours = { k: 5, temperature: 0.05, labels: exemplarIdx.map(labelOf) };
    parts.push(...exemplarRows(rowsOf(exemplarIdx), mean, scale));
  }
  const trainMs = performance.now() - started;

  if (options.signal?.aborted) return undefined;
  const staging = await stagingFolder(options.out);
  try {
    const dir = staging.dir;
    const modelFile = await copyBase(base.path, base.format, path.join(dir, 'base'));
    const weights = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      weights.set(p, at);
      at += p.length;
    }
    await writeFile(path.join(dir, HEAD_WEIGHTS_FILE), new Uint8Array(weights.buffer));
    await writeFile(path.join(dir, 'labels.json'), `${JSON.stringify(labels, null, 2)}\n`);
    const { inputSize, inputRange, normalize, resize } = base.manifest;
    const manifest: ModelManifest = manifestSchema.parse({
      name: path.basename(path.resolve(options.out)),
      model: path.posix.join('base', modelFile),
      ...(inputSize && { inputSize }),
      ...(inputRange && { inputRange }),
      ...(normalize && { normalize }),
      ...(resize && { resize }),
      output: 'probabilities',
      backgroundClasses: 0,
      labels: 'labels.json',
      head,
    });
    await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

    // The same evaluation as `evaluate`, on the test split, through the head files just written.
    const probabilities = await scoreWithHead(head, dir, rowsOf(testIdx));
    const samples: ScoredSample[] = testIdx.map((i, k) => ({
      id: all[i]?.id ?? '',
      truth: labelOf(i),
      scores: probabilities[k] ?? [],
    }));
    const evaluation: EvaluationReport = {
      model: manifest.name ?? 'model',
      data: testData
        ? (options.test as string)
        : `${options.data} (stratified ${Math.round((options.testFraction ?? 0.2) * 100)}% split, seed ${seed})`,
      date: new Date().toISOString(),
      labels,
      metrics: computeMetrics(labels, samples),
      skipped: extraction.skipped,
    };
    await writeEvaluation(dir, evaluation, new Map(all.map((i) => [i.id, i])));
    const counts = Object.fromEntries(
      labels.map((l) => [l, { train: trainCounts[l] ?? 0, test: testCounts[l] ?? 0 }]),
    );
    const provenance = {
      createdBy: 'lambdavision train',
      date: evaluation.date,
      data: {
        source: options.data,
        kind: data.kind,
        test: options.test ?? null,
        split: testData ? null : { fraction: options.testFraction ?? 0.2, seed },
      },
      counts,
      skipped: extraction.skipped,
      base: {
        folder: path.resolve(options.base),
        format: base.format,
        sha256: await modelHash(options.base),
      },
      head: {
        seed,
        augment: options.augment ?? false,
        denseLabels,
        neighbourLabels,
        ...(dense && { dense }),
        minHeadImages: minHead,
      },
      evaluation: {
        accuracy: evaluation.metrics.accuracy,
        macroF1: evaluation.metrics.macroF1,
        perLabel: Object.fromEntries(
          evaluation.metrics.labels.map((l) => [
            l.label,
            { precision: l.precision, recall: l.recall, f1: l.f1, support: l.support },
          ]),
        ),
      },
    };
    await writeFile(path.join(dir, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);
    if (options.signal?.aborted) return undefined;
    await staging.commit();
    return {
      out: options.out,
      labels,
      counts,
      denseLabels,
      neighbourLabels,
      skipped: extraction.skipped,
      evaluation,
      extraction: {
        fromCache: extraction.fromCache,
        extracted: extraction.extracted,
        extractMs: extraction.extractMs,
        workers: extraction.workers,
      },
      trainMs,
      ...(dense && { dense }),
    };
  } finally {
    await staging.discard();
  }
}
