import { existsSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadClassifier, selectBackend } from '../../function/classifier/index';
import { type Outcome, runCase } from '../../test/support/hostile-corpus';
import { fuzzCase, fuzzSeeds } from '../../test/support/hostile-fuzz';
import { buildTinyMobileNet } from '../../test/support/tiny-models';

/** What the fuzz worker needs: the run's settings, and the first case to classify. */
export interface FuzzWorkerData {
  options: { cases: number; seed: number; model?: string };
  from: number;
  /** A folder the main thread made (and removes): the tiny model is built there once, for every worker. */
  scratch: string;
}

/** The worker's reports to the thread that watches it. */
export type Report =
  | { type: 'ready' }
  | { type: 'start'; index: number }
  | { type: 'done'; index: number; name: string; mutations: string[]; outcome: Outcome }
  | { type: 'end' };

/** Classifies cases in order from `from`, reporting each; started by fuzz-command.ts. */
async function work({ options, from, scratch }: FuzzWorkerData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const seeds = await fuzzSeeds();
  const tiny = path.join(scratch, 'tiny-mobilenet');
  // Building the tiny model makes tensors: on the backend the classifier will use.
  await selectBackend('wasm');
  const modelDir =
    options.model ?? (existsSync(path.join(tiny, 'model.json')) ? tiny : await buildTinyMobileNet(tiny));
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

await work(workerData as FuzzWorkerData);
