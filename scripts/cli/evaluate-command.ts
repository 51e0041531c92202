import path from 'node:path';
import { BACKENDS } from '../../function/classifier/index';
import { EVALUATION_FILES, evaluateModel } from '../../training/index';
import { codedErrorExit } from './cli-error';
import { type CommandIo, defineCommand, type OptionDefs, runCommand, type Values } from './command';
import { resolveModelDir } from './default-model';
import { oneOf } from './option-values';
import { progressReporter } from './progress-bar';
import { s3ClientFor } from './train-command';

const EVALUATE_OPTIONS = {
  model: {
    type: 'string',
    value: 'dir',
    description: 'model folder',
    defaultText: '$LAMBDAVISION_MODEL_DIR, else the fetched default model',
  },
  out: {
    type: 'string',
    value: 'dir',
    description: `where to write ${Object.values(EVALUATION_FILES).join(', ')}`,
    default: 'evaluation',
  },
  backend: {
    type: 'string',
    value: 'name',
    description: BACKENDS.join(' | '),
    default: 'auto',
    parse: oneOf(BACKENDS),
  },
  json: { type: 'boolean', description: 'print the whole evaluation as JSON on stdout' },
} satisfies OptionDefs;

export const evaluateCommand = defineCommand({
  name: 'evaluate',
  description: `Classifies labelled images and reports accuracy, per-label precision, recall, F1 and support, macro-F1, the
confusion matrix, the per-label threshold that maximises F1 and the worst mistakes, as JSON, Markdown and a
self-contained HTML page. Works for any model: label folders are matched to the model's class names (for
ImageNet models, any of a class's comma-separated names). <data> is a folder with one subfolder per label,
s3://bucket/prefix/, a CSV (path,label) or a Ground Truth manifest.`,
  positionals: {
    usage: '<data>',
    min: 1,
    max: 1,
    missing: 'give the labelled data: a folder, s3:// prefix or manifest',
  },
  options: EVALUATE_OPTIONS,
  exitCodes: { 2: 'usage, data or model error (the message names the code)' },
  run: ({ values, positionals }, io) => evaluate(values, positionals[0] as string, io),
});

/** `lambdavision evaluate` on an argument list: returns the exit status. */
export function runEvaluate(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(evaluateCommand, argv, io);
}

async function evaluate(
  values: Values<typeof EVALUATE_OPTIONS>,
  data: string,
  io: CommandIo,
): Promise<number> {
  const outDir = path.resolve(values.out);
  const progress = progressReporter(io.stderr, 'classifying');
  try {
    const report = await evaluateModel({
      modelDir: resolveModelDir(values.model, io.env),
      data,
      backend: values.backend,
      s3: s3ClientFor(io.env),
      outDir,
      onProgress: progress.onProgress,
    });
    progress.stop();
    const m = report.metrics;
    if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      io.stdout.write(
        [
          `${report.model} on ${report.data}: ${m.count} images, accuracy ${(m.accuracy * 100).toFixed(1)}%, macro-F1 ${m.macroF1.toFixed(3)}`,
          ...m.labels.map(
            (l) =>
              `  ${l.label}: precision ${l.precision.toFixed(3)} recall ${l.recall.toFixed(3)} F1 ${l.f1.toFixed(3)} support ${l.support} (best threshold ${l.threshold.toFixed(3)})`,
          ),
          ...report.skipped.map((s) => `skipped ${s.id}: ${s.code}`),
          `report: ${path.join(outDir, EVALUATION_FILES.html)}`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  } catch (error) {
    progress.stop();
    return codedErrorExit(error, io.stderr);
  }
}
