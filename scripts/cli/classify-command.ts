import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import {
  BACKENDS,
  type ClassificationResult,
  type ClassifierOptions,
  DECODERS,
  DEFAULT_LIMITS,
  formatOriginalLine,
  loadClassifier,
  MAX_TOP_K,
  type ResizeMode,
} from '../../function/classifier';
import { runFetchModel } from '../lib/fetch-model-command';
import { type ClassifyFileOptions, classifyFile, describeError, type FileOutcome } from './classify-file';
import type { ClassifyWorkerInfo, ClassifyWorkerSetup } from './classify-worker';
import { CliError } from './cli-error';
import { collectFiles, IMAGE_EXTENSIONS } from './collect-files';
import { type CommandIo, defineCommand, type OptionDefs, PROGRAM, runCommand, type Values } from './command';
import { DEFAULT_MODEL_DIR, DEFAULT_MODEL_FOLDER, resolveModelDir } from './default-model';
import { coreOption, oneOf, wholeNumber } from './option-values';
import { isInstalled, missingPackageHint } from './optional-packages';
import { WorkerPool } from './worker-pool';

export interface CliIo extends CommandIo {
  /** Where the default model lives (fetched there on first use); the project's folder unless a test says. */
  defaultModelDir?: string;
  /**
   * With --jobs above 1, this thread waits for the first worker to load before it starts, so each gets
   * files (tests: otherwise a few fast files may all be done before any worker is ready).
   */
  startTogether?: boolean;
}

const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Each job holds a model (a worker costs about 190 MB of RSS with MobileNet v2): more is a typo, not a machine. */
const MAX_JOBS = 64;

/**
 * The default adds a job (a worker thread) only for this many files more. A worker takes 3.5-6 s to load
 * here (the classifier's modules, TF.js's wasm and its own copy of the model: about 190 MB) while this
 * thread already classifies; once loaded it saved about 0.13 s a file on 2 busy cores, so it pays for itself
 * after about 30 files (bench/REPORT.md). An explicit --jobs is taken as given (at most one per file).
 */
const FILES_PER_JOB = 32;

const CLASSIFY_OPTIONS = {
  top: {
    type: 'string',
    value: 'k',
    description: `how many classes to report (1..${MAX_TOP_K})`,
    default: 5,
    parse: coreOption('topK'),
  },
  'min-confidence': {
    type: 'string',
    value: 'p',
    description: 'drop classes below this probability, 0..1 (the best is always kept)',
    default: 0,
    parse: coreOption('minConfidence'),
  },
  json: { type: 'boolean', description: 'one JSON object per file on stdout (newline-delimited)' },
  model: {
    type: 'string',
    value: 'dir',
    description: `model folder`,
    defaultText: `$LAMBDAVISION_MODEL_DIR, else ${DEFAULT_MODEL_FOLDER} in the project, fetched on first use`,
  },
  backend: {
    type: 'string',
    value: 'name',
    description: `${BACKENDS.join(' | ')}; auto takes tensorflow when installed, else wasm`,
    default: 'auto',
    parse: oneOf(BACKENDS),
  },
  resize: {
    type: 'string',
    value: 'mode',
    description: 'center-crop | stretch',
    defaultText: "the model's manifest, else center-crop",
    parse: oneOf(['center-crop', 'stretch'] satisfies ResizeMode[]),
  },
  decoder: {
    type: 'string',
    value: 'name',
    description:
      'auto (sharp when installed, else jimp) | sharp (libvips, faster on large photos; optional dependency) | jimp (pure JavaScript)',
    default: 'auto',
    parse: oneOf(DECODERS),
  },
  'max-bytes': {
    type: 'string',
    value: 'n',
    description: 'refuse files larger than this',
    default: DEFAULT_LIMITS.maxBytes,
    parse: coreOption('maxBytes'),
  },
  'max-pixels': {
    type: 'string',
    value: 'n',
    description: 'refuse images with more pixels than this',
    default: DEFAULT_LIMITS.maxPixels,
    parse: coreOption('maxPixels'),
  },
  jobs: {
    type: 'string',
    value: 'n',
    description:
      'models classifying at once: this thread and n-1 worker threads, a model each; results are still printed in input order',
    defaultText: `the number of cores, at most one per ${FILES_PER_JOB} files`,
    parse: wholeNumber(1, MAX_JOBS),
  },
  'no-progress': { type: 'boolean', description: 'no progress bar on stderr' },
} satisfies OptionDefs;

export const classifyCommand = defineCommand({
  name: 'classify',
  description: `Classifies images with an ImageNet model. Prints, for each file, the best class as "score=<probability> classid=<0..999> human=<name>"
followed by the rest of the top-k. Directories are searched recursively for ${[...IMAGE_EXTENSIONS].join(' ')}
files; files named on the command line are always read. Results go to stdout, everything else to stderr.`,
  positionals: {
    usage: '<file|directory>...',
    min: 1,
    missing: 'name at least one image file or directory',
  },
  options: CLASSIFY_OPTIONS,
  exitCodes: {
    1: 'some files failed (each is reported; the others are classified)',
    2: 'usage error, or no model: it could not be fetched or loaded (the message says what to do)',
    130: 'interrupted (Ctrl-C): the files done so far are printed',
  },
  run: ({ values, positionals }, io) => classify({ ...values, paths: positionals }, io),
});

/** The `classify` command on an argument list: returns the exit status (tests call it; only the entry exits). */
export function runClassify(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(classifyCommand, argv, io);
}

type ClassifyArgs = Values<typeof CLASSIFY_OPTIONS> & { paths: string[] };

function humanLines(file: string, result: ClassificationResult): string {
  const [, ...rest] = result.predictions;
  const others = rest.map(
    (p) => `    ${(p.probability * 100).toFixed(2).padStart(6)}%  ${p.label} (classid=${p.classId})\n`,
  );
  return `${file}: ${formatOriginalLine(result)}\n${others.join('')}`;
}

async function classify(options: ClassifyArgs, io: CliIo): Promise<number> {
  const files = await collectFiles(options.paths);
  if (files.length === 0) throw new CliError(`no image files found in ${options.paths.join(', ')}`);

  const defaultModelDir = io.defaultModelDir ?? DEFAULT_MODEL_DIR;
  const modelDir = resolveModelDir(options.model, io.env, defaultModelDir);
  if (modelDir === defaultModelDir && !existsSync(modelDir)) {
    // First use: fetch the default model (pinned by SHA-256, checked), or copy it from
    // LAMBDAVISION_MODEL_SOURCE.
    io.stderr.write(`no model at ${modelDir} yet: fetching the default model\n`);
    // Its lines are held back: on success they are shown, on failure only the reason.
    const lines: string[] = [];
    const status = await runFetchModel(['--out', modelDir], {
      env: io.env,
      stdout: (line) => lines.push(line),
      stderr: (line) => lines.push(line),
      progress: io.stderr,
    });
    if (status !== 0) {
      const reason = (lines.at(-1) ?? 'unknown reason').replace(/^fetch-model: /, '').split('\n')[0];
      io.stderr.write(
        `error: the default model could not be fetched (${reason}); without internet, use a local copy of a model folder: ${PROGRAM} classify --model <dir> ..., or ${PROGRAM} fetch-model --from <dir> once\n`,
      );
      return 2;
    }
    for (const line of lines) io.stderr.write(`${line}\n`);
  }
  const jobs =
    options.jobs === undefined
      ? Math.max(1, Math.min(availableParallelism(), Math.floor(files.length / FILES_PER_JOB)))
      : Math.min(options.jobs, files.length);
  const load: ClassifierOptions = {
    modelDir,
    backend: options.backend,
    limits: { maxBytes: options['max-bytes'], maxPixels: options['max-pixels'] },
    resize: options.resize,
    decoder: options.decoder,
  };
  const asked = { topK: options.top, minConfidence: options['min-confidence'] };
  let engine: Engine;
  try {
    engine = await startEngine(load, asked, jobs, io);
  } catch (error) {
    const { code, message } = describeError(error);
    io.stderr.write(`error: ${code}: ${message}\n`);
    if (code === 'BACKEND_UNAVAILABLE' && options.decoder === 'sharp' && !isInstalled('sharp')) {
      io.stderr.write(`${missingPackageHint('sharp')}\n`);
    }
    if (code === 'MODEL_NOT_FOUND') {
      io.stderr.write(`Fetch the default model with \`${PROGRAM} fetch-model\`, or pass --model DIR.\n`);
    }
    return 2;
  }
  const { model, backend, decoder } = engine.info;
  io.stderr.write(
    `model ${model} on ${backend}, decoder ${decoder}; ${files.length} file(s)${jobs > 1 ? `, ${jobs} jobs (this thread and ${jobs - 1} worker thread${jobs > 2 ? 's' : ''})` : ''}\n`,
  );

  const bar =
    !options['no-progress'] && io.stderr.isTTY && files.length >= 10
      ? new SingleBar({ stream: io.stderr as NodeJS.WritableStream, format: ' {bar} {value}/{total} {file}' })
      : undefined;
  bar?.start(files.length, 0, { file: '' });
  // Results come back in any order; each is printed once every file before it is.
  const outcomes: Array<FileOutcome | undefined> = [];
  let printed = 0;
  let failed = 0;
  let done = 0;
  const print = (outcome: FileOutcome) => {
    const { file } = outcome;
    if ('result' in outcome) {
      io.stdout.write(
        options.json ? `${JSON.stringify({ file, ...outcome.result })}\n` : humanLines(file, outcome.result),
      );
    } else {
      failed++;
      const { code, message } = outcome.error;
      if (options.json) io.stdout.write(`${JSON.stringify({ file, error: { code, message } })}\n`);
      else io.stderr.write(`${file}: error ${code}: ${message}\n`);
    }
    done++;
    bar?.increment(1, { file });
  };
  const flush = () => {
    for (let outcome = outcomes[printed]; outcome; outcome = outcomes[printed]) {
      print(outcome);
      printed++;
    }
  };
  // Ctrl-C: no new file is started, workers are stopped at once (their files count as not classified).
  const stop = () => {
    engine.interrupt();
    noneLeft(false);
  };
  let next = 0;
  let byWorkers = 0;
  // A lane still waiting for its worker when every file is taken (or Ctrl-C) has nothing left to wait for.
  let noneLeft: (ready: false) => void = () => undefined;
  const nothingLeft = new Promise<false>((resolve) => {
    noneLeft = resolve;
  });
  io.signal?.addEventListener('abort', stop, { once: true });
  const drive = async (lane: Lane) => {
    if (!(await Promise.race([lane.ready, nothingLeft]))) return;
    while (next < files.length && !io.signal?.aborted) {
      const index = next++;
      if (next === files.length) noneLeft(false);
      const outcome = await lane.classify(files[index] as string);
      if (!outcome) return;
      if (lane.inWorker) byWorkers++;
      outcomes[index] = outcome;
      flush();
    }
  };
  try {
    await Promise.all(engine.lanes.map(drive));
    // After Ctrl-C, files finished after one that was stopped: still printed, in order.
    for (const outcome of outcomes.slice(printed)) if (outcome) print(outcome);
  } finally {
    io.signal?.removeEventListener('abort', stop);
    bar?.stop();
    await engine.close();
  }
  io.stderr.write(
    `${done - failed} classified, ${failed} failed${jobs > 1 ? `; ${byWorkers} of them in worker threads` : ''}\n`,
  );
  if (done < files.length) {
    io.stderr.write(`interrupted: ${files.length - done} file(s) not classified\n`);
    return 130;
  }
  return failed > 0 ? 1 : 0;
}

/**
 * Where files are classified: a model in this thread, and for --jobs N above 1, N - 1 worker threads with a
 * model each. This thread is one of the N because it has loaded the classifier anyway and would otherwise
 * wait: it classifies from the start while the workers load (seconds each: tsx and the classifier's
 * modules are imported again in every thread), so more jobs never delay the first results.
 */
interface Engine {
  info: ClassifyWorkerInfo;
  /** Each lane classifies one file at a time, once `ready` says it can (false: it never will). */
  lanes: Lane[];
  /** Ctrl-C: the file being classified in this thread finishes; workers are terminated at once. */
  interrupt(): void;
  close(): Promise<void>;
}

interface Lane {
  ready: Promise<boolean>;
  /** Counted apart in the summary line. */
  inWorker: boolean;
  /** Undefined when interrupted before it finished. */
  classify(file: string): Promise<FileOutcome | undefined>;
}

/** Two files in flight per worker: one runs while the next waits in its queue, whatever this thread is doing. */
const LANES_PER_WORKER = 2;

async function startEngine(
  load: ClassifierOptions,
  asked: ClassifyFileOptions,
  jobs: number,
  io: CliIo,
): Promise<Engine> {
  // A model that cannot load is reported once, from here, before any worker starts.
  const classifier = await loadClassifier(load);
  const here: Lane = {
    ready: Promise.resolve(true),
    inWorker: false,
    classify: (file) => classifyFile(classifier, file, asked),
  };
  const info = { model: classifier.model.name, backend: classifier.backend, decoder: classifier.decoder };
  if (jobs === 1) {
    return { info, lanes: [here], interrupt: () => undefined, close: async () => classifier.dispose() };
  }
  let interrupted = false;
  const pool = WorkerPool.open<string, FileOutcome, ClassifyWorkerInfo, ClassifyWorkerSetup>({
    module: new URL('./classify-worker.ts', import.meta.url),
    setup: { classifier: load, options: asked },
    jobs: jobs - 1,
    onLog: (line) => io.stderr.write(`${line}\n`),
  });
  const ready = pool.ready.then(
    () => !interrupted,
    (error: unknown) => {
      if (interrupted) return false;
      // This thread goes on alone.
      const { code, message } = describeError(error);
      io.stderr.write(
        `the worker threads could not start (${code}: ${message}); classifying in this thread only\n`,
      );
      return false;
    },
  );
  // This thread's lane starts at once, or with the workers' (whether they loaded or not).
  if (io.startTogether) here.ready = ready.then(() => true);
  const worker: Lane = {
    ready,
    inWorker: true,
    classify: (file) =>
      pool
        .run(file)
        .catch((error: unknown) => (interrupted ? undefined : { file, error: describeError(error) })),
  };
  return {
    info,
    lanes: [here, ...Array.from({ length: (jobs - 1) * LANES_PER_WORKER }, () => worker)],
    interrupt: () => {
      interrupted = true;
      void pool.close();
    },
    close: async () => {
      interrupted = true;
      await pool.close();
      classifier.dispose();
    },
  };
}
