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
    const samples: ScoredSample[] = testSet.items.flatMap((item, i) => {
      const v = testVectors[i];
      return v ? [{ id: item.id, truth: labels.indexOf(item.label), scores: probe(v) }] : [];
    });
    const baseline = computeMetrics(labels, samples);
    const x = result.extraction;
    rows.push(
      `| ${set.name} | ${result.labels.length} | ${Object.values(result.counts).reduce((n, c) => n + c.train, 0)} / ${result.evaluation.metrics.count} | ${baseline.macroF1.toFixed(3)} (acc ${(baseline.accuracy * 100).toFixed(1)}%) | ${result.evaluation.metrics.macroF1.toFixed(3)} (acc ${(result.evaluation.metrics.accuracy * 100).toFixed(1)}%) | ${x.extracted > 0 ? `${(x.extracted / (x.extractMs / 1000)).toFixed(1)} (${x.workers} workers)` : 'from the cache'} | ${(result.trainMs / 1000).toFixed(1)} s | ${(wallMs / 1000).toFixed(0)} s |`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.stdout.write(
  [
    `Base model: ${path.basename(path.resolve(base))}, seed ${seed}${values.augment ? ', --augment' : ''}`,
    '',
    '| Set | Labels | Train / test images | Linear probe macro-F1 | Trained head macro-F1 | Extraction images/s | Head training | Whole run |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n'),
);
