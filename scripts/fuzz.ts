import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadClassifier } from '../function/classifier';
import { IMAGE_CODES, type ImageCode, type Outcome, runCase, Tally } from '../test/support/hostile-corpus';
import { fuzzCase, fuzzSeeds } from '../test/support/hostile-fuzz';
import { buildTinyMobileNet, tempDir } from '../test/support/tiny-models';

const USAGE = `usage: npm run fuzz -- [--cases N] [--seed N] [--budget-ms MS] [--model DIR] [--save DIR] [--case I]

Mutates valid JPEG, PNG, GIF, BMP and TIFF files (1-4 seeded mutations each) and classifies every mutant
with the classifier core. Each must classify or be refused with ${IMAGE_CODES.join(', ')}.
Cases run in a worker thread that is replaced when one runs past the time budget, so a hang is reported
as such instead of stopping the run. Prints the counts; exits 1 if any case crashed or hung.

  --cases N       number of mutants (default 5000)
  --seed N        run seed (default 1); case I of seed N is always the same file
  --budget-ms MS  time budget a case (default 10000)
  --model DIR     model folder (default: a tiny MobileNet built in a temporary folder)
  --save DIR      write crashed or hung mutants there, to reproduce them
  --case I        run only case I`;

interface Options {
  cases: number;
  seed: number;
  budgetMs: number;
  model?: string;
  save?: string;
  only?: number;
}

class UsageError extends Error {
  override name = 'UsageError';
}

function whole(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

function parse(argv: string[]): Options {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cases: { type: 'string' },
        seed: { type: 'string' },
        'budget-ms': { type: 'string' },
        model: { type: 'string' },
        save: { type: 'string' },
        case: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const only = values.case === undefined ? undefined : whole('case', values.case, 0);
  return {
    cases: only === undefined ? whole('cases', values.cases, 5000, 1) : only + 1,
    seed: whole('seed', values.seed, 1),
    budgetMs: whole('budget-ms', values['budget-ms'], 10_000, 1),
    model: values.model,
    save: values.save,
    only,
  };
}

// ---------------------------------------------------------------- worker: classifies cases in order

type Report =
  | { type: 'ready' }
  | { type: 'start'; index: number }
  | { type: 'done'; index: number; name: string; mutations: string[]; outcome: Outcome }
  | { type: 'end' };

async function work(options: Options, from: number): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const seeds = await fuzzSeeds();
  const modelDir = options.model ?? (await buildTinyMobileNet(tempDir('lambdavision-fuzz-')));
  const classifier = await loadClassifier({ modelDir, backend: 'wasm' });
  port.postMessage({ type: 'ready' } satisfies Report);
  for (let index = from; index < options.cases; index++) {
    port.postMessage({ type: 'start', index } satisfies Report);
    const mutant = fuzzCase(seeds, options.seed, index);
    const outcome = await runCase(classifier, mutant.bytes);
    // Errors do not cross threads intact: send their text.
    const sendable =
      outcome.kind === 'crashed'
        ? { ...outcome, error: String((outcome.error as Error)?.stack ?? outcome.error) }
        : outcome;
    port.postMessage({
      type: 'done',
      index,
      name: mutant.name,
      mutations: mutant.mutations,
      outcome: sendable,
    } satisfies Report);
  }
  port.postMessage({ type: 'end' } satisfies Report);
}

// ---------------------------------------------------------------- main: watches the worker

async function runFuzz(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const first = options.only ?? 0;
  const tally = new Tally();
  const failures: string[] = [];
  let hung = 0;
  let peakRss = 0;
  const seeds = await fuzzSeeds();
  const save = (index: number) => {
    if (!options.save) return;
    mkdirSync(options.save, { recursive: true });
    const mutant = fuzzCase(seeds, options.seed, index);
    writeFileSync(
      path.join(options.save, `seed${options.seed}-case${index}-${mutant.name.replace(/[^\w.-]/g, '_')}`),
      mutant.bytes,
    );
  };
  console.error(
    `fuzz: seed=${options.seed} cases=${options.cases - first} seed-files=${seeds.length} budget=${options.budgetMs} ms model=${options.model ?? 'tiny MobileNet'}`,
  );
  const started = performance.now();

  await new Promise<void>((resolve, reject) => {
    const launch = (from: number) => {
      if (from >= options.cases) return resolve();
      const worker = new Worker(new URL(import.meta.url), { workerData: { options, from } });
      let current = -1;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const abandon = (reason: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        hung += 1;
        tally.add(`case ${current}`, { kind: 'crashed', ms: options.budgetMs, error: reason });
        const mutant = fuzzCase(seeds, options.seed, current);
        failures.push(`case ${current} ${mutant.name} (${mutant.mutations.join('; ')}): ${reason}`);
        save(current);
        void worker.terminate();
        launch(current + 1);
      };
      worker.on('message', (report: Report) => {
        if (finished) return; // a late report from a worker already given up on
        if (report.type === 'start') {
          current = report.index;
          timer = setTimeout(
            () => abandon(`no answer after ${options.budgetMs} ms (hung)`),
            options.budgetMs,
          );
        } else if (report.type === 'done') {
          clearTimeout(timer);
          tally.add(report.name, report.outcome);
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          if (report.outcome.kind === 'crashed') {
            failures.push(
              `case ${report.index} ${report.name} (${report.mutations.join('; ')}): ${String(report.outcome.error)}`,
            );
            save(report.index);
          }
          if (tally.tried % 1000 === 0) console.error(`  ${tally.tried} cases`);
        } else if (report.type === 'end') {
          finished = true;
          void worker.terminate();
          resolve();
        }
      });
      worker.on('error', (error) => {
        if (current < 0) reject(error);
        else abandon(`the worker died: ${error.message}`);
      });
      worker.on('exit', (code) => {
        if (!finished && current >= 0) abandon(`the worker exited with code ${code}`);
      });
    };
    launch(first);
  });

  const seconds = (performance.now() - started) / 1000;
  for (const failure of failures) console.error(`FAILED ${failure}`);
  const codes = IMAGE_CODES.map((c: ImageCode) => `${c}=${tally.refused.get(c) ?? 0}`).join(' ');
  console.log(
    `tried=${tally.tried} classified=${tally.classified} refused=${tally.refusedTotal} (${codes}) crashed=${tally.crashed - hung} hung=${hung}`,
  );
  console.log(
    `slowest=${tally.slowest.name} ${tally.slowest.ms.toFixed(1)} ms total=${seconds.toFixed(1)} s peak-rss=${(peakRss / 2 ** 20).toFixed(0)} MB`,
  );
  return tally.crashed === 0 ? 0 : 1;
}

if (isMainThread) {
  // The only place that exits: everything else returns a status.
  process.exitCode = await runFuzz(process.argv.slice(2));
} else {
  const { options, from } = workerData as { options: Options; from: number };
  await work(options, from);
}
