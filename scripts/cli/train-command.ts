import { homedir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { BACKENDS } from '../../function/classifier/index';
import { EVALUATION_FILES, PROVENANCE_FILE, trainModel } from '../../training/index';
import { CliError, codedErrorExit } from './cli-error';
import { type CommandIo, defineCommand, type OptionDefs, runCommand, type Values } from './command';
import { resolveModelDir } from './default-model';
import { numberIn, oneOf, wholeNumber } from './option-values';
import { progressReporter } from './progress-bar';
import { startTsWorker } from './ts-worker';

export type { CommandIo };

const TRAIN_OPTIONS = {
  out: { type: 'string', value: 'dir', description: 'the model folder to write (required)' },
  base: {
    type: 'string',
    value: 'dir',
    description: 'base model folder (any model the classifier loads)',
    defaultText: '$LAMBDAVISION_MODEL_DIR, else the fetched default model',
  },
  test: {
    type: 'string',
    value: 'data',
    description: 'separate labelled test data',
    defaultText: 'a stratified split',
  },
  'test-fraction': {
    type: 'string',
    value: 'share',
    description: 'share of each label held out for testing, between 0 and 1',
    default: 0.2,
    parse: numberIn({ min: 0.01, max: 0.99, integer: false }),
  },
  seed: {
    type: 'string',
    value: 'n',
    description: 'seed for the split, shuffles and initial weights',
    default: 42,
    parse: wholeNumber(0),
  },
  augment: { type: 'boolean', description: 'also train on mirrored images (doubles extraction)' },
  'min-images': {
    type: 'string',
    value: 'n',
    description: 'labels with fewer training images use nearest neighbours',
    default: 10,
    parse: wholeNumber(1),
  },
  workers: {
    type: 'string',
    value: 'n',
    description: 'extraction threads, one model each',
    defaultText: 'all cores',
    parse: wholeNumber(1, 64),
  },
  backend: {
    type: 'string',
    value: 'name',
    description: BACKENDS.join(' | '),
    default: 'auto',
    parse: oneOf(BACKENDS),
  },
  cache: {
    type: 'string',
    value: 'dir',
    description: 'embedding cache',
    defaultText: '$LAMBDAVISION_CACHE_DIR, else ~/.cache/lambdavision/embeddings',
  },
  'no-cache': { type: 'boolean', description: 'neither read nor write the embedding cache' },
  force: { type: 'boolean', description: 'replace an existing --out folder' },
} satisfies OptionDefs;

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

export const trainCommand = defineCommand({
  name: 'train',
  description: `Trains a classifier for your own labels on a base model's embeddings and writes a model folder that
classify, the Lambda function, the model layer and the API load like any other model.
<data> is a folder with one subfolder per label, the same layout under s3://bucket/prefix/, a CSV of
path,label rows, or a SageMaker Ground Truth classification manifest (JSON lines).`,
  positionals: {
    usage: '<data>',
    min: 1,
    max: 1,
    missing: 'give the labelled data: a folder, s3:// prefix or manifest',
  },
  options: TRAIN_OPTIONS,
  exitCodes: {
    2: 'usage, data or model error (the message names the code)',
    130: 'interrupted: no model written',
  },
  run: ({ values, positionals }, io) => train(values, positionals[0] as string, io),
});

/** `lambdavision train` on an argument list: returns the exit status (only the entry exits). */
export function runTrain(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(trainCommand, argv, io);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function train(values: Values<typeof TRAIN_OPTIONS>, data: string, io: CommandIo): Promise<number> {
  if (!values.out) throw new CliError('--out <dir> is required');
  const base = resolveModelDir(values.base, io.env);
  const options = {
    data,
    out: path.resolve(values.out),
    base,
    test: values.test,
    testFraction: values['test-fraction'],
    seed: values.seed,
    minHeadImages: values['min-images'],
    workers: values.workers,
    augment: values.augment,
    force: values.force,
    backend: values.backend,
    cacheDir: values['no-cache'] ? undefined : path.resolve(values.cache ?? embeddingCacheDir(io.env)),
    signal: io.signal,
    startWorker: startTsWorker,
  };
  const progress = progressReporter(io.stderr, 'embedding');
  try {
    const result = await trainModel({
      ...options,
      // Created lazily by the SDK: no request is made unless the data names s3:// objects.
      s3: s3ClientFor(io.env),
      onProgress: progress.onProgress,
      log: (line) => io.stderr.write(`${line}\n`),
    });
    progress.stop();
    if (!result) {
      io.stderr.write('interrupted: no model written\n');
      return 130;
    }
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
    return codedErrorExit(error, io.stderr);
  }
}
