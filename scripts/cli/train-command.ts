import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { BACKENDS, type BackendChoice, LambdaVisionError } from '../../function/classifier/index';
import { EVALUATION_FILES, PROVENANCE_FILE, trainModel } from '../../training/index';
import { CliError } from './cli-error';
import { resolveModelDir } from './default-model';
import { type DescribedOption, optionLines, parseArgsOptions } from './option-usage';
import { progressReporter } from './progress-bar';

export interface CommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Told the temporary folder a run writes into, so an interrupt can remove it. */
  onStaging?: (dir: string) => void;
}

const processIo = (): CommandIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

export const TRAIN_OPTIONS = {
  out: { type: 'string', value: '<dir>', description: 'the model folder to write (required)' },
  base: {
    type: 'string',
    value: '<dir>',
    description: 'base model folder (default: $LAMBDAVISION_MODEL_DIR, else the fetched default model)',
  },
  test: {
    type: 'string',
    value: '<data>',
    description: 'separate labelled test data (default: a stratified split)',
  },
  'test-fraction': {
    type: 'string',
    value: '<0..1>',
    description: 'share of each label held out for testing (default 0.2)',
  },
  seed: {
    type: 'string',
    value: '<n>',
    description: 'seed for the split, shuffles and initial weights (default 42)',
  },
  augment: {
    type: 'boolean',
    default: false,
    description: 'also train on mirrored images (doubles extraction)',
  },
  'min-images': {
    type: 'string',
    value: '<n>',
    description: 'labels with fewer training images use nearest neighbours (default 10)',
  },
  workers: {
    type: 'string',
    value: '<n>',
    description: 'extraction threads, one model each (default: all cores)',
  },
  backend: {
    type: 'string',
    default: 'auto',
    value: '<name>',
    description: `${BACKENDS.join(' | ')} for extraction`,
  },
  cache: {
    type: 'string',
    value: '<dir>',
    description: 'embedding cache (default: $LAMBDAVISION_CACHE_DIR, else ~/.cache/lambdavision/embeddings)',
  },
  'no-cache': { type: 'boolean', default: false, description: 'neither read nor write the embedding cache' },
  force: { type: 'boolean', default: false, description: 'replace an existing --out folder' },
  help: { type: 'boolean', short: 'h', default: false, description: 'show this help' },
} as const satisfies Record<string, DescribedOption>;

export const TRAIN_USAGE = `Usage: lambdavision train <data> --out <model-dir> [options]

Trains a classifier for your own labels on a base model's embeddings and writes a model folder that
classify, the Lambda function, the model layer and the API load like any other model.

<data> is a folder with one subfolder per label, the same layout under s3://bucket/prefix/, a CSV of
path,label rows, or a SageMaker Ground Truth classification manifest (JSON lines).

Options:
${optionLines(TRAIN_OPTIONS)}

Exit status: 0 trained (skipped images are listed), 2 usage, data or model error.`;

/** 0..1 or a whole number in range, from a flag's text. */
function numberFlag(name: string, text: string | undefined, check: (n: number) => boolean, what: string) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !check(n)) throw new CliError(`--${name} must be ${what}, got "${text}"`);
  return n;
}
const wholeAtLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min;

export function embeddingCacheDir(env: NodeJS.ProcessEnv): string {
  const explicit = env.LAMBDAVISION_CACHE_DIR?.trim();
  if (explicit) return path.resolve(explicit);
  const cacheHome = env.XDG_CACHE_HOME?.trim() || path.join(homedir(), '.cache');
  return path.join(cacheHome, 'lambdavision', 'embeddings');
}

/** An S3 client as the AWS CLI would configure one; path-style where a local endpoint is set. */
export function s3ClientFor(env: NodeJS.ProcessEnv): S3Client {
  return new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3), maxAttempts: 3 });
}

function parse(argv: readonly string[], env: NodeJS.ProcessEnv) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: parseArgsOptions(TRAIN_OPTIONS),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return undefined;
  const [data, ...extra] = parsed.positionals;
  if (!data || extra.length > 0) throw new CliError('give exactly one labelled data source');
  const out = values.out as string | undefined;
  if (!out) throw new CliError('--out <model-dir> is required');
  const backend = values.backend as BackendChoice;
  if (!BACKENDS.includes(backend))
    throw new CliError(`--backend must be one of ${BACKENDS.join(', ')}, got "${backend}"`);
  const base = resolveModelDir(values.base as string | undefined, env);
  if (!existsSync(base)) {
    throw new CliError(
      `no base model at ${base}: run \`npm run fetch-model\` for the default model, or pass --base <dir>`,
    );
  }
  return {
    data,
    out: path.resolve(out),
    base,
    test: values.test as string | undefined,
    testFraction: numberFlag(
      'test-fraction',
      values['test-fraction'] as string | undefined,
      (n) => n > 0 && n < 1,
      'between 0 and 1',
    ),
    seed: numberFlag('seed', values.seed as string | undefined, wholeAtLeast(0), 'a whole number ≥ 0'),
    minHeadImages: numberFlag(
      'min-images',
      values['min-images'] as string | undefined,
      wholeAtLeast(1),
      'a whole number ≥ 1',
    ),
    workers: numberFlag(
      'workers',
      values.workers as string | undefined,
      wholeAtLeast(1),
      'a whole number ≥ 1',
    ),
    augment: values.augment === true,
    force: values.force === true,
    backend,
    cacheDir: values['no-cache']
      ? undefined
      : path.resolve((values.cache as string | undefined) ?? embeddingCacheDir(env)),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** `lambdavision train`: returns the exit status (only the entry script exits). */
export async function runTrain(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv, io.env);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`error: ${error.message}\n\n${TRAIN_USAGE}\n`);
    return 2;
  }
  if (!options) {
    io.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  const progress = progressReporter(io.stderr, 'embedding');
  try {
    const result = await trainModel({
      ...options,
      // Created lazily by the SDK: no request is made unless the data names s3:// objects.
      s3: s3ClientFor(io.env),
      onProgress: progress.onProgress,
      onStaging: io.onStaging,
      log: (line) => io.stderr.write(`${line}\n`),
    });
    progress.stop();
    const m = result.evaluation.metrics;
    const lines = [
      `model written to ${result.out}`,
      `labels: ${result.labels.map((l) => `${l} (${result.counts[l]?.train} train, ${result.counts[l]?.test} test)`).join(', ')}`,
      ...(result.neighbourLabels.length > 0
        ? [`nearest neighbours for: ${result.neighbourLabels.join(', ')}`]
        : []),
      `test: ${m.count} images, accuracy ${pct(m.accuracy)}, macro-F1 ${m.macroF1.toFixed(3)}`,
      ...m.labels.map(
        (l) =>
          `  ${l.label}: precision ${l.precision.toFixed(3)} recall ${l.recall.toFixed(3)} F1 ${l.f1.toFixed(3)} support ${l.support}`,
      ),
      `skipped images: ${result.skipped.length}${result.skipped.map((s) => `\n  ${s.id}: ${s.code}`).join('')}`,
      `embeddings: ${result.extraction.extracted} extracted, ${result.extraction.fromCache} from the cache`,
      `report: ${path.join(result.out, EVALUATION_FILES.html)}; provenance: ${path.join(result.out, PROVENANCE_FILE)}`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    progress.stop();
    if (error instanceof LambdaVisionError) {
      io.stderr.write(`error: ${error.code}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
