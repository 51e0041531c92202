import type { AnyCommand } from './command';

export interface CommandRow {
  /** One line for `lambdavision --help`. */
  summary: string;
  /** Loads the command's definition; only the command that runs is loaded (classify never loads the AWS SDK). */
  load: () => Promise<AnyCommand>;
}

/**
 * The commands of `lambdavision`, in the order `--help` lists them. Adding a command is one file and one
 * row: the file exports a `defineCommand({ name, description, options, positionals?, exitCodes?, run })`
 * (see command.ts: options declare their type, value name, description, default and a `parse` check;
 * the usage text and every check come from that), and the row below names it, says it in one line and
 * loads it. `run(args, io)` returns the exit status and writes results to `io.stdout`, the rest to
 * `io.stderr`; it never exits the process, and stops early when `io.signal` aborts (Ctrl-C).
 */
export const COMMANDS: Readonly<Record<string, CommandRow>> = {
  classify: {
    summary: 'classify image files and folders with the default model or --model <dir>',
    load: async () => (await import('./classify-command')).classifyCommand,
  },
  train: {
    summary:
      'train a classifier for your own labels on labelled images; writes a model folder and its evaluation',
    load: async () => (await import('./train-command')).trainCommand,
  },
  evaluate: {
    summary:
      'evaluate any model on labelled images: per-label precision, recall, F1, confusion matrix, report',
    load: async () => (await import('./evaluate-command')).evaluateCommand,
  },
  'fetch-model': {
    summary: 'fetch a model (catalog, folder or s3://), check its checksums and write the model folder',
    load: async () => (await import('../lib/fetch-model-command')).fetchModelCommand,
  },
  dev: {
    summary: 'a local S3 endpoint that runs the function on every upload, and the on-demand endpoint',
    load: async () => (await import('../lib/dev-command')).devCommand,
  },
  invoke: {
    summary: 'run the Lambda bundle once on an event file, over a local S3 server, on Node 24',
    load: async () => (await import('../lib/invoke-command')).invokeCommand,
  },
  backfill: {
    summary: 'classify the objects already in a bucket (locally, or as an S3 Batch Operations job)',
    load: async () => (await import('../lib/backfill-command')).backfillCommand,
  },
  build: {
    summary: 'build the Lambda bundle into dist/function',
    load: async () => (await import('../lib/build-command')).buildCommand,
  },
  fuzz: {
    summary: 'classify seeded mutants of valid images: each must classify or be refused with a code',
    load: async () => (await import('../lib/fuzz-command')).fuzzCommand,
  },
  bench: {
    summary: 'measure latency, memory, throughput, sizes and cost against the peers; write a report',
    load: async () => (await import('../../bench/lib/bench-command')).benchCommand,
  },
};
