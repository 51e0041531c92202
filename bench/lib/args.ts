import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [options]

Measures cold start, warm latency per stage, peak memory, CLI throughput, artifact sizes and cost of the
classifier, side by side with its peers (tfjs cpu backend, onnxruntime-node, the sharp decoder), and writes
bench/results/<timestamp>.md, .json and .svg.

Options:
  --quick            fewer repeats and a 3 MP "large" image: under a minute, for CI smoke runs
  --model <dir>      model folder (default: $LAMBDAVISION_SHARED/models/mobilenet_v2_1.0_224_quant)
  --onnx <file>      ONNX twin of the same weights (default: the first .onnx in <model>/onnx/)
  --photos <dir>     sample photos (default: $LAMBDAVISION_SHARED/images)
  --labelled <dir>   images with a known top-1 (default: $LAMBDAVISION_SHARED/models/test-images)
  --out <dir>        where results go (default: bench/results)
  --publish          also write bench/REPORT.md and bench/REPORT.svg (the committed copy)
  --render <file>    measure nothing: rewrite the report and chart of an earlier run's .json
  -h, --help         show this help

Without LAMBDAVISION_SHARED, name --model, --photos and --labelled.`;

export class BenchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchUsageError';
  }
}

export interface BenchOptions {
  quick: boolean;
  modelDir: string;
  onnxFile?: string;
  photosDir: string;
  labelledDir?: string;
  outDir: string;
  publish: boolean;
  /** An earlier run's results to render again instead of measuring. */
  render?: string;
}

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  model: { type: 'string' },
  onnx: { type: 'string' },
  photos: { type: 'string' },
  labelled: { type: 'string' },
  out: { type: 'string' },
  publish: { type: 'boolean', default: false },
  render: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function sharedDir(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const configured = env.LAMBDAVISION_SHARED?.trim();
  return configured ? path.resolve(cwd, configured) : undefined;
}

function folder(flag: string, value: string | undefined, fallback: string | undefined, cwd: string): string {
  const dir = value ? path.resolve(cwd, value) : fallback;
  if (!dir) {
    throw new BenchUsageError(
      `--${flag} is needed: set LAMBDAVISION_SHARED to the folder with models/ and images/`,
    );
  }
  if (!existsSync(dir)) throw new BenchUsageError(`--${flag}: ${dir} does not exist`);
  return dir;
}

/** Parses the command line; returns undefined for --help. Paths resolve against `cwd`. */
export function parseBenchArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): BenchOptions | undefined {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  if (values.help) return undefined;
  if (values.render) {
    const render = path.resolve(cwd, values.render);
    if (!existsSync(render)) throw new BenchUsageError(`--render: ${render} does not exist`);
    const outDir = path.dirname(render);
    return { quick: false, modelDir: '', photosDir: '', outDir, publish: values.publish, render };
  }
  const shared = sharedDir(env, cwd);
  const modelDir = folder(
    'model',
    values.model,
    shared && path.join(shared, 'models', 'mobilenet_v2_1.0_224_quant'),
    cwd,
  );
  const labelled = values.labelled
    ? folder('labelled', values.labelled, undefined, cwd)
    : [shared && path.join(shared, 'models', 'test-images')].find((d): d is string => !!d && existsSync(d));
  return {
    quick: values.quick,
    modelDir,
    onnxFile: values.onnx ? path.resolve(cwd, values.onnx) : undefined,
    photosDir: folder('photos', values.photos, shared && path.join(shared, 'images'), cwd),
    labelledDir: labelled,
    outDir: path.resolve(cwd, values.out ?? path.join('bench', 'results')),
    publish: values.publish,
  };
}
