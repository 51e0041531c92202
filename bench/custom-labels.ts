import { link, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  computeMetrics,
  extractEmbeddings,
  type Metrics,
  readDataset,
  type ScoredSample,
  seededRandom,
  shuffled,
  trainLinearProbe,
  trainModel,
} from '../training/index';
import { LABELLED_SETS } from './lib/labelled-sets';
import { sklearnProbe } from './lib/sklearn-probe';

/**
 * `npm run bench:custom-labels -- --base <model dir>`: on real labelled sets found offline, trains a head
 * with `trainModel` on several seeded random splits of a pool of images per set (repeated random
 * sub-sampling: one small test split is too noisy to rank methods) and compares its test macro-F1 on
 * each with two plain linear probes on the same embeddings: the project's (`trainLinearProbe`) and
 * scikit-learn's `LogisticRegression()` where Python has it. Reports extraction speed (images/s, all
 * cores, on the first run when the cache is empty) and the time to train the head. Prints Markdown.
 */
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    seed: { type: 'string', default: '42' },
    /** Random splits per set. */
    splits: { type: 'string', default: '5' },
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
const splits = Number(values.splits);
/** Images per label: the pool written once, and each split's training and test share of it. */
const SIZES: Record<string, { pool: number; train: number; test: number }> = {
  'Fashion-MNIST': { pool: 200, train: 100, test: 30 },
  'scikit-learn digits': { pool: 170, train: 40, test: 20 },
};

/** One split’s train and test folders: hard links into the pool, drawn per label with a seeded shuffle. */
async function drawSplit(
  pool: string,
  dir: string,
  sizes: { train: number; test: number },
  splitSeed: number,
) {
  const random = seededRandom(splitSeed);
  for (const label of (await readdir(pool)).sort()) {
    const files = shuffled((await readdir(path.join(pool, label))).sort(), random);
    for (const [side, chosen] of [
      ['train', files.slice(0, sizes.train)],
      ['test', files.slice(sizes.train, sizes.train + sizes.test)],
    ] as const) {
      await mkdir(path.join(dir, side, label), { recursive: true });
      for (const file of chosen) await link(path.join(pool, label, file), path.join(dir, side, label, file));
    }
  }
  return { train: path.join(dir, 'train'), test: path.join(dir, 'test') };
}

const f1 = (m: Pick<Metrics, 'macroF1' | 'accuracy'>) =>
  `${m.macroF1.toFixed(3)} (acc ${(m.accuracy * 100).toFixed(1)}%)`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const rows: string[] = [];
const summary: string[] = [];
const work = await mkdtemp(path.join(tmpdir(), 'lambdavision-bench-labels-'));
try {
  for (const set of LABELLED_SETS) {
    if (set.missing) {
      process.stderr.write(`skipping ${set.name}: ${set.missing}\n`);
      continue;
    }
    const sizes = SIZES[set.name] ?? { pool: 60, train: 40, test: 20 };
    const dir = path.join(work, set.name.replace(/\W+/g, '-'));
    const { train: pool } = await set.write(path.join(dir, 'pool'), { train: sizes.pool, test: 0 });
    const cacheDir = values.cache ? path.resolve(values.cache) : path.join(dir, 'cache');
    const scores = {
      probe: [] as number[],
      sklearn: [] as number[],
      head: [] as number[],
      trainS: [] as number[],
    };
    for (let split = 1; split <= splits; split++) {
      const { train, test } = await drawSplit(pool, path.join(dir, `split-${split}`), sizes, seed + split);
      process.stderr.write(`${set.name}, split ${split}: training on ${train}\n`);
      const started = performance.now();
      const result = await trainModel({
        data: train,
        test,
        out: path.join(dir, `model-${split}`),
        base,
        seed,
        cacheDir,
        augment: values.augment,
        workers: values.workers ? Number(values.workers) : undefined,
        log: (line) => process.stderr.write(`  ${line}\n`),
      });
      if (!result) throw new Error('interrupted');
      const wallMs = performance.now() - started;

      // The baselines on exactly the same embeddings (all from the cache now).
      const trainSet = await readDataset(train);
      const testSet = await readDataset(test);
      const labels = result.labels;
      const embed = async (items: typeof trainSet.items) =>
        (await extractEmbeddings(items, { modelDir: base, cacheDir })).vectors;
      const trainVectors = await embed(trainSet.items);
      const testVectors = await embed(testSet.items);
      const keep = trainSet.items.flatMap((item, i) =>
        trainVectors[i] ? [{ item, v: trainVectors[i] }] : [],
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
      const probe = await trainLinearProbe(
        keep.map((k) => k.v as Float32Array),
        keep.map((k) => labels.indexOf(k.item.label)),
        labels.length,
        seed,
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
      const head = result.evaluation.metrics;
      scores.probe.push(baseline.macroF1);
      if (peer) scores.sklearn.push(peer.macroF1);
      scores.head.push(head.macroF1);
      scores.trainS.push(result.trainMs / 1000);
      const x = result.extraction;
      rows.push(
        `| ${set.name} | ${split} | ${keep.length} / ${head.count} | ${f1(baseline)} | ${peer ? f1(peer) : 'n/a'} | ${f1(head)} | ${result.dense?.c ?? '-'} | ${x.extracted > 0 ? `${(x.extracted / (x.extractMs / 1000)).toFixed(1)} (${x.workers} workers)` : 'cache'} | ${(result.trainMs / 1000).toFixed(1)} s | ${(wallMs / 1000).toFixed(0)} s |`,
      );
    }
    const wins = (other: number[]) => scores.head.filter((h, i) => h >= (other[i] ?? Number.NaN)).length;
    summary.push(
      `| ${set.name} | ${splits} | ${mean(scores.probe).toFixed(3)} | ${scores.sklearn.length ? mean(scores.sklearn).toFixed(3) : 'n/a'} | **${mean(scores.head).toFixed(3)}** | ${wins(scores.probe)} of ${splits} | ${scores.sklearn.length ? `${wins(scores.sklearn)} of ${splits}` : 'n/a'} | ${mean(scores.trainS).toFixed(1)} s |`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.stdout.write(
  [
    `Base model: ${path.basename(path.dirname(path.resolve(base)))}/${path.basename(path.resolve(base))}, seed ${seed}, ${splits} random splits a set${values.augment ? ', --augment' : ''}`,
    '',
    '| Set | Splits | Linear probe, mean macro-F1 | scikit-learn LogisticRegression(), mean | Trained head, mean | Head ≥ probe | Head ≥ scikit-learn | Head training, mean |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...summary,
    '',
    '| Set | Split | Train / test images | Linear probe macro-F1 | scikit-learn LogisticRegression() | Trained head | Head C | Extraction images/s | Head training | Whole run |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n'),
);
