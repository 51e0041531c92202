import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import {
  BACKENDS,
  type BackendChoice,
  type ClassificationResult,
  type Classifier,
  DECODERS,
  DEFAULT_LIMITS,
  type DecoderChoice,
  formatOriginalLine,
  LambdaVisionError,
  loadClassifier,
  MAX_TOP_K,
  type ResizeMode,
} from '../../function/classifier';
import { runFetchModel } from '../lib/fetch-model-command';
import { CliError } from './cli-error';
import { collectFiles, IMAGE_EXTENSIONS } from './collect-files';
import { DEFAULT_MODEL_DIR, DEFAULT_MODEL_FOLDER, resolveModelDir } from './default-model';

export const USAGE = `Usage: npm run classify -- [options] <file|directory>...

Classifies images with an ImageNet model and prints, for each file, the best class as
"score=<probability> classid=<0..999> human=<name>" followed by the rest of the top-k.
Directories are searched recursively for ${[...IMAGE_EXTENSIONS].join(' ')} files.

Options:
  --top <k>               how many classes to report (1..${MAX_TOP_K}, default 5)
  --min-confidence <p>    drop classes below this probability, 0..1 (the best is always kept)
  --json                  one JSON object per file on stdout (newline-delimited)
  --model <dir>           model folder (default: $LAMBDAVISION_MODEL_DIR, else ${DEFAULT_MODEL_FOLDER} in the
                          project, fetched on first use)
  --backend <name>        ${BACKENDS.join(' | ')} (default auto: tensorflow when installed, else wasm)
  --resize <mode>         center-crop | stretch (default: the model's manifest, else center-crop)
  --decoder <name>        auto (default: sharp when installed, else jimp) | sharp (libvips) | jimp
  --max-bytes <n>         refuse files larger than this (default ${DEFAULT_LIMITS.maxBytes})
  --max-pixels <n>        refuse images with more pixels than this (default ${DEFAULT_LIMITS.maxPixels})
  --no-progress           no progress bar on stderr
  -h, --help              show this help

Exit status: 0 all files classified, 1 some failed, 2 usage or model error.`;

export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Where the default model lives (fetched there on first use); the project's folder unless a test says. */
  defaultModelDir?: string;
}

const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

function positiveInt(
  name: string,
  value: string | undefined,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new CliError(`--${name} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

const OPTIONS = {
  top: { type: 'string' },
  'min-confidence': { type: 'string' },
  json: { type: 'boolean', default: false },
  model: { type: 'string' },
  backend: { type: 'string', default: 'auto' },
  resize: { type: 'string' },
  decoder: { type: 'string', default: 'auto' },
  'max-bytes': { type: 'string' },
  'max-pixels': { type: 'string' },
  'no-progress': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function parse(argv: readonly string[]) {
  const parsed = parseCommandLine(argv);
  const { values, positionals } = parsed;
  if (values.help) return { help: true as const };
  const backend = values.backend as BackendChoice;
  if (!BACKENDS.includes(backend))
    throw new CliError(`--backend must be one of ${BACKENDS.join(', ')}, got "${values.backend}"`);
  const resize = values.resize as ResizeMode | undefined;
  if (resize !== undefined && resize !== 'center-crop' && resize !== 'stretch') {
    throw new CliError(`--resize must be center-crop or stretch, got "${values.resize}"`);
  }
  const decoder = values.decoder as DecoderChoice;
  if (!DECODERS.includes(decoder))
    throw new CliError(`--decoder must be one of ${DECODERS.join(', ')}, got "${values.decoder}"`);
  const minConfidence = values['min-confidence'] === undefined ? 0 : Number(values['min-confidence']);
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new CliError(`--min-confidence must be a number from 0 to 1, got "${values['min-confidence']}"`);
  }
  if (positionals.length === 0) throw new CliError('name at least one image file or directory');
  return {
    help: false as const,
    paths: positionals,
    topK: positiveInt('top', values.top, 5, MAX_TOP_K),
    minConfidence,
    json: values.json,
    model: values.model,
    backend,
    resize,
    decoder,
    limits: {
      maxBytes: positiveInt('max-bytes', values['max-bytes'], DEFAULT_LIMITS.maxBytes),
      maxPixels: positiveInt('max-pixels', values['max-pixels'], DEFAULT_LIMITS.maxPixels),
    },
    progress: !values['no-progress'],
  };
}

function humanLines(file: string, result: ClassificationResult): string {
  const [, ...rest] = result.predictions;
  const others = rest.map(
    (p) => `    ${(p.probability * 100).toFixed(2).padStart(6)}%  ${p.label} (classid=${p.classId})\n`,
  );
  return `${file}: ${formatOriginalLine(result)}\n${others.join('')}`;
}

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof LambdaVisionError) return { code: error.code, message: error.message };
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return { code: error.code, message: error.message }; // fs errors: ENOENT, EACCES, EISDIR
  }
  return { code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
}

/**
 * The `classify` command. Takes its arguments and streams as parameters so tests can call it; returns the
 * exit status instead of exiting (only the entry script calls process.exit).
 */
export async function runClassify(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let options: ReturnType<typeof parse>;
  let files: string[];
  try {
    options = parse(argv);
    if (options.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    files = await collectFiles(options.paths);
    if (files.length === 0) throw new CliError(`no image files found in ${options.paths.join(', ')}`);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }

  const defaultModelDir = io.defaultModelDir ?? DEFAULT_MODEL_DIR;
  const modelDir = resolveModelDir(options.model, io.env, defaultModelDir);
  if (modelDir === defaultModelDir && !existsSync(modelDir)) {
    // First use: fetch the default model (a pinned TensorFlow Lite file, checked against its SHA-256), or
    // copy it from LAMBDAVISION_MODEL_SOURCE.
    io.stderr.write(`no model at ${modelDir} yet: fetching the default model (npm run fetch-model)\n`);
    const say = (line: string) => io.stderr.write(`${line}\n`);
    const status = await runFetchModel(['--out', modelDir], {
      env: io.env,
      stdout: say,
      stderr: say,
    });
    if (status !== 0) {
      io.stderr.write(
        'error: the default model could not be fetched (the reason is above). Without internet, set LAMBDAVISION_MODEL_SOURCE to a local copy of a model folder, or pass --model DIR.\n',
      );
      return 2;
    }
  }
  let classifier: Classifier;
  try {
    classifier = await loadClassifier({
      modelDir,
      backend: options.backend,
      limits: options.limits,
      resize: options.resize,
      decoder: options.decoder,
    });
  } catch (error) {
    const { code, message } = describe(error);
    io.stderr.write(`error: ${code}: ${message}\n`);
    if (code === 'MODEL_NOT_FOUND') {
      io.stderr.write('Fetch the default model with `npm run fetch-model`, or pass --model DIR.\n');
    }
    return 2;
  }
  io.stderr.write(
    `model ${classifier.model.name} on ${classifier.backend}, decoder ${classifier.decoder}; ${files.length} file(s)\n`,
  );

  const bar =
    options.progress && io.stderr.isTTY && files.length >= 10
      ? new SingleBar({ stream: io.stderr as NodeJS.WritableStream, format: ' {bar} {value}/{total} {file}' })
      : undefined;
  bar?.start(files.length, 0, { file: '' });
  let failed = 0;
  try {
    for (const file of files) {
      try {
        const result = await classifier.classify(await readFile(file), {
          topK: options.topK,
          minConfidence: options.minConfidence,
        });
        io.stdout.write(options.json ? `${JSON.stringify({ file, ...result })}\n` : humanLines(file, result));
      } catch (error) {
        failed++;
        const { code, message } = describe(error);
        if (options.json) io.stdout.write(`${JSON.stringify({ file, error: { code, message } })}\n`);
        else io.stderr.write(`${file}: error ${code}: ${message}\n`);
      }
      bar?.increment(1, { file });
    }
  } finally {
    bar?.stop();
    classifier.dispose();
  }
  io.stderr.write(`${files.length - failed} classified, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}
