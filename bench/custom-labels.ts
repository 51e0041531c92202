import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  computeMetrics,
  extractEmbeddings,
  readDataset,
  type ScoredSample,
  trainLinearProbe,
  trainModel,
} from '../training/index';
import { LABELLED_SETS } from './lib/labelled-sets';
import { sklearnProbe } from './lib/sklearn-probe';

/**
 * `npm run bench:custom-labels -- --base <model dir>`: on real labelled sets found offline, trains a head
 * with `trainModel` and compares its test macro-F1 with a plain linear probe on the same embeddings;
 * reports extraction speed (images/s, all cores) and the time to train the head. Prints Markdown.
 */
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    seed: { type: 'string', default: '42' },
    workers: { type: 'string' },
    augment: { type: 'boolean', default: false },
    /** Keep embeddings here between runs (the extraction speed is then measured only on the first). */
    cache: { type: 'string' },
  },
});
const base = values.base ?? process.env.LAMBDAVISION_MODEL_DIR;
if (!base) {
  process.stderr.write('give --base <model folder> (or set LAMBDAVISION_MODEL_DIR)\n');
  process.exit(2);
}
const seed = Number(values.seed);
const SIZES: Record<string, { train: number; test: number }> = {
  'Fashion-MNIST': { train: 100, test: 30 },
  'scikit-learn digits': { train: 40, test: 20 },
};

const rows: string[] = [];
const work = await mkdtemp(path.join(tmpdir(), 'lambdavision-bench-labels-'));
try {
  for (const set of LABELLED_SETS) {
    if (set.missing) {
      process.stderr.write(`skipping ${set.name}: ${set.missing}\n`);
      continue;
    }
    const sizes = SIZES[set.name] ?? { train: 40, test: 20 };
    const dir = path.join(work, set.name.replace(/\W+/g, '-'));
    const { train, test } = await set.write(dir, sizes);
    const cacheDir = values.cache ? path.resolve(values.cache) : path.join(dir, 'cache');
    process.stderr.write(`${set.name}: training on ${train}\n`);
    const started = performance.now();
    const result = await trainModel({
      data: train,
      test,
      out: path.join(dir, 'model'),
      base,
      seed,
      cacheDir,
      augment: values.augment,
      workers: values.workers ? Number(values.workers) : undefined,
      log: (line) => process.stderr.write(`  ${line}\n`),
    });
    if (!result) throw new Error('interrupted');
    const wallMs = performance.now() - started;

    // The baseline on exactly the same embeddings (all from the cache now).
    const trainSet = await readDataset(train);
    const testSet = await readDataset(test);
    const labels = result.labels;
    const embed = async (items: typeof trainSet.items) =>
      (await extractEmbeddings(items, { modelDir: base, cacheDir })).vectors;
    const trainVectors = await embed(trainSet.items);
    const testVectors = await embed(testSet.items);
    const keep = trainSet.items.flatMap((item, i) => (trainVectors[i] ? [{ item, v: trainVectors[i] }] : []));
    const probe = await trainLinearProbe(
      keep.map((k) => k.v as Float32Array),
      keep.map((k) => labels.indexOf(k.item.label)),
      labels.length,
      seed,
    );
    const testKeep = testSet.items.flatMap((item, i) =>
      testVectors[i] ? [{ item, v: testVectors[i] }] : [],
    );
    const metricsOf = (score: (v: Float32Array, k: number) => Float32Array) =>
      computeMetrics(
        labels,
        testKeep.map(
          (t, k): ScoredSample => ({
            id: t.item.id,
            truth: labels.indexOf(t.item.label),
            scores: score(t.v as Float32Array, k),
          }),
        ),
      );
    const baseline = metricsOf((v) => probe(v));
    const sk = sklearnProbe(
      keep.map((k) => k.v as Float32Array),
      keep.map((k) => labels.indexOf(k.item.label)),
      testKeep.map((t) => t.v as Float32Array),
      labels.length,
    );
    const peer = 'scores' in sk ? metricsOf((_, k) => sk.scores[k] as Float32Array) : undefined;
    if ('missing' in sk) process.stderr.write(`scikit-learn probe skipped: ${sk.missing}\n`);
    const x = result.extraction;
    const f1 = (m: { macroF1: number; accuracy: number }) =>
      `${m.macroF1.toFixed(3)} (acc ${(m.accuracy * 100).toFixed(1)}%)`;
    rows.push(
      `| ${set.name} | ${result.labels.length} | ${Object.values(result.counts).reduce((n, c) => n + c.train, 0)} / ${result.evaluation.metrics.count} | ${f1(baseline)} | ${peer ? f1(peer) : 'n/a'} | ${f1(result.evaluation.metrics)} | ${result.dense?.c ?? '-'} | ${x.extracted > 0 ? `${(x.extracted / (x.extractMs / 1000)).toFixed(1)} (${x.workers} workers)` : 'from the cache'} | ${(result.trainMs / 1000).toFixed(1)} s | ${(wallMs / 1000).toFixed(0)} s |`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.stdout.write(
  [
    `Base model: ${path.basename(path.resolve(base))}, seed ${seed}${values.augment ? ', --augment' : ''}`,
    '',
    '| Set | Labels | Train / test images | Linear probe macro-F1 | scikit-learn LogisticRegression() macro-F1 | Trained head macro-F1 | Head C | Extraction images/s | Head training | Whole run |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n'),
);
