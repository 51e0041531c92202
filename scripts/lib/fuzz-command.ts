import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IMAGE_CODES, type ImageCode, Tally } from '../../test/support/hostile-corpus';
import { fuzzCase, fuzzSeeds } from '../../test/support/hostile-fuzz';
import { type CommandIo, defineCommand, type OptionDefs, type Values } from '../cli/command';
import { wholeNumber } from '../cli/option-values';
import { startTsWorker } from '../cli/ts-worker';
import type { FuzzWorkerData, Report } from './fuzz-worker';

const FUZZ_OPTIONS = {
  cases: {
    type: 'string',
    value: 'n',
    description: 'number of mutants',
    default: 5000,
    parse: wholeNumber(1),
  },
  seed: {
    type: 'string',
    value: 'n',
    description: 'run seed; case I of seed N is always the same file',
    default: 1,
    parse: wholeNumber(0),
  },
  'budget-ms': {
    type: 'string',
    value: 'ms',
    description: 'time budget a case',
    default: 10_000,
    parse: wholeNumber(1),
  },
  model: {
    type: 'string',
    value: 'dir',
    description: 'model folder',
    defaultText: 'a tiny MobileNet built in a temporary folder',
  },
  save: {
    type: 'string',
    value: 'dir',
    description: 'write crashed or hung mutants there, to reproduce them',
  },
  case: { type: 'string', value: 'i', description: 'run only case I', parse: wholeNumber(0) },
} satisfies OptionDefs;

export const fuzzCommand = defineCommand({
  name: 'fuzz',
  description: `Mutates valid JPEG, PNG, GIF, BMP and TIFF files (1-4 seeded mutations each) and classifies every mutant
with the classifier core. Each must classify or be refused with ${IMAGE_CODES.join(', ')}.
Cases run in a worker thread that is replaced when one runs past the time budget, so a hang is reported
as such instead of stopping the run. Prints the counts on stdout.`,
  options: FUZZ_OPTIONS,
  exitCodes: { 1: 'some case crashed or hung (each is listed on stderr)', 130: 'interrupted (Ctrl-C)' },
  run: ({ values }, io) => runFuzz(values, io),
});

interface Options {
  cases: number;
  seed: number;
  budgetMs: number;
  model?: string;
  save?: string;
  only?: number;
}

/** Runs the cases in a watched worker thread; returns the exit status. */
async function runFuzz(values: Values<typeof FUZZ_OPTIONS>, io: CommandIo): Promise<number> {
  const only = values.case;
  const options: Options = {
    cases: only === undefined ? values.cases : only + 1,
    seed: values.seed,
    budgetMs: values['budget-ms'],
    model: values.model,
    save: values.save,
    only,
  };
  const say = (line: string) => io.stderr.write(`${line}\n`);
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
  say(
    `fuzz: seed=${options.seed} cases=${options.cases - first} seed-files=${seeds.length} budget=${options.budgetMs} ms model=${options.model ?? 'tiny MobileNet'}`,
  );
  const started = performance.now();
  const scratch = mkdtempSync(path.join(tmpdir(), 'lambdavision-fuzz-'));

  await new Promise<void>((resolve, reject) => {
    const launch = (from: number) => {
      if (from >= options.cases) return resolve();
      if (io.signal?.aborted) return resolve();
      const workerData: FuzzWorkerData = { options, from, scratch };
      const worker = startTsWorker(new URL('./fuzz-worker.ts', import.meta.url), { workerData });
      let current = -1;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const onAbort = () => {
        finished = true;
        clearTimeout(timer);
        void worker.terminate();
        resolve();
      };
      io.signal?.addEventListener('abort', onAbort, { once: true });
      const abandon = (reason: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        hung += 1;
        tally.add(`case ${current}`, { kind: 'crashed', ms: options.budgetMs, error: reason });
        const mutant = fuzzCase(seeds, options.seed, current);
        failures.push(`case ${current} ${mutant.name} (${mutant.mutations.join('; ')}): ${reason}`);
        save(current);
        io.signal?.removeEventListener('abort', onAbort);
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
          if (tally.tried % 1000 === 0) say(`  ${tally.tried} cases`);
        } else if (report.type === 'end') {
          io.signal?.removeEventListener('abort', onAbort);
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
  }).finally(() => rmSync(scratch, { recursive: true, force: true }));

  const seconds = (performance.now() - started) / 1000;
  for (const failure of failures) say(`FAILED ${failure}`);
  const codes = IMAGE_CODES.map((c: ImageCode) => `${c}=${tally.refused.get(c) ?? 0}`).join(' ');
  io.stdout.write(
    `tried=${tally.tried} classified=${tally.classified} refused=${tally.refusedTotal} (${codes}) crashed=${tally.crashed - hung} hung=${hung}\n`,
  );
  io.stdout.write(
    `slowest=${tally.slowest.name} ${tally.slowest.ms.toFixed(1)} ms total=${seconds.toFixed(1)} s peak-rss=${(peakRss / 2 ** 20).toFixed(0)} MB\n`,
  );
  if (io.signal?.aborted) {
    say(`interrupted after ${tally.tried} of ${options.cases - first} cases`);
    return 130;
  }
  return tally.crashed === 0 ? 0 : 1;
}
