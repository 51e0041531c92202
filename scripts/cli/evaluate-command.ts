import path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKENDS, type BackendChoice, LambdaVisionError } from '../../function/classifier/index';
import { EVALUATION_FILES, evaluateModel } from '../../training/index';
import { CliError } from './cli-error';
import { resolveModelDir } from './default-model';
import { type DescribedOption, optionLines, parseArgsOptions } from './option-usage';
import { progressReporter } from './progress-bar';
import { type CommandIo, s3ClientFor } from './train-command';

export const EVALUATE_OPTIONS = {
  model: {
    type: 'string',
    value: '<dir>',
    description: 'model folder (default: $LAMBDAVISION_MODEL_DIR, else the fetched default model)',
  },
  out: {
    type: 'string',
    value: '<dir>',
    description: `where to write ${Object.values(EVALUATION_FILES).join(', ')} (default: ./evaluation)`,
  },
  backend: { type: 'string', default: 'auto', value: '<name>', description: BACKENDS.join(' | ') },
  json: { type: 'boolean', default: false, description: 'print the whole evaluation as JSON on stdout' },
  help: { type: 'boolean', short: 'h', default: false, description: 'show this help' },
} as const satisfies Record<string, DescribedOption>;

export const EVALUATE_USAGE = `Usage: lambdavision evaluate --model <dir> <labelled data> [options]

Classifies labelled images and reports accuracy, per-label precision, recall, F1 and support, macro-F1, the
confusion matrix, the per-label threshold that maximises F1 and the worst mistakes, as JSON, Markdown and a
self-contained HTML page. Works for any model: label folders are matched to the model's class names
(for ImageNet models, any of a class's comma-separated names).

<labelled data> is a folder with one subfolder per label, s3://bucket/prefix/, a CSV (path,label) or a
Ground Truth manifest.

Options:
${optionLines(EVALUATE_OPTIONS)}

Exit status: 0 evaluated, 2 usage, data or model error.`;

/** `lambdavision evaluate`: returns the exit status. */
export async function runEvaluate(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: parseArgsOptions(EVALUATE_OPTIONS),
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values as typeof values;
    positionals = parsed.positionals;
    if (values.help) {
      io.stdout.write(`${EVALUATE_USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError('give exactly one labelled data source');
    if (!BACKENDS.includes(values.backend as BackendChoice)) {
      throw new CliError(`--backend must be one of ${BACKENDS.join(', ')}, got "${values.backend}"`);
    }
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n\n${EVALUATE_USAGE}\n`);
    return 2;
  }
  const outDir = path.resolve((values.out as string | undefined) ?? 'evaluation');
  const progress = progressReporter(io.stderr, 'classifying');
  try {
    const report = await evaluateModel({
      modelDir: resolveModelDir(values.model as string | undefined, io.env),
      data: positionals[0] as string,
      backend: values.backend as BackendChoice,
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
    if (error instanceof LambdaVisionError) {
      io.stderr.write(`error: ${error.code}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
