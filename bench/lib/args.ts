import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../../scripts/cli/cli-error';
import { type OptionDefs, parseCommand, type Values } from '../../scripts/cli/command';

/** A mistake on the bench's command line: the message and the usage are printed, exit 2. */
export class BenchUsageError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'BenchUsageError';
  }
}

export interface BenchOptions {
  quick: boolean;
  modelDir: string;
  /**
   * The model as the function deploys it: the folder's TFLite file when it has one (what `fetch-model`
   * installs and the model layer ships), else the folder. The TF.js and ONNX twins stay for the peers.
   */
  deployedModelDir: string;
  onnxFile?: string;
  photosDir: string;
  labelledDir?: string;
  outDir: string;
  publish: boolean;
  /** An earlier run's results to render again instead of measuring. */
  render?: string;
}

export const BENCH_OPTIONS = {
  quick: {
    type: 'boolean',
    description: 'fewer repeats and a 3 MP "large" image: under a minute, for CI smoke runs',
  },
  model: {
    type: 'string',
    value: 'dir',
    description: 'model folder',
    defaultText: '$LAMBDAVISION_SHARED/models/mobilenet_v2_1.0_224_quant',
  },
  onnx: {
    type: 'string',
    value: 'file',
    description: 'ONNX twin of the same weights (needs the optional onnxruntime-node)',
    defaultText: 'the first .onnx in <model>/onnx/',
  },
  photos: {
    type: 'string',
    value: 'dir',
    description: 'sample photos',
    defaultText: '$LAMBDAVISION_SHARED/images',
  },
  labelled: {
    type: 'string',
    value: 'dir',
    description: 'images with a known top-1',
    defaultText: '$LAMBDAVISION_SHARED/models/test-images',
  },
  out: {
    type: 'string',
    value: 'dir',
    description: 'where results go',
    default: path.join('bench', 'results'),
  },
  publish: {
    type: 'boolean',
    description: 'also write bench/REPORT.md and bench/REPORT.svg (the committed copy)',
  },
  render: {
    type: 'string',
    value: 'file',
    description: "measure nothing: rewrite the report and chart of an earlier run's .json",
  },
} satisfies OptionDefs;

/** The definition the `bench` command is run by (bench-command.ts) and its usage text comes from. */
export const BENCH_DESCRIPTION = `Measures cold start, warm latency per stage, peak memory, CLI throughput, artifact sizes and cost of the
classifier, side by side with its peers (tfjs cpu backend, onnxruntime-node, the sharp decoder; the two
optional dependencies are left out, with a note, when not installed), and writes
bench/results/<timestamp>.md, .json and .svg; prints the report on stdout. Without LAMBDAVISION_SHARED,
name --model, --photos and --labelled.`;

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

const hasTflite = (dir: string): boolean =>
  existsSync(dir) && readdirSync(dir).some((name) => name.endsWith('.tflite'));

/** The folder's own TFLite file (or its tflite/ folder's), the format the default model deploys in. */
function deployedModel(modelDir: string): string {
  return [modelDir, path.join(modelDir, 'tflite')].find(hasTflite) ?? modelDir;
}

/** Turns the parsed flags into the bench's options. Paths resolve against `cwd`. */
export function benchOptions(
  values: Values<typeof BENCH_OPTIONS>,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): BenchOptions {
  if (values.render) {
    const render = path.resolve(cwd, values.render);
    if (!existsSync(render)) throw new BenchUsageError(`--render: ${render} does not exist`);
    const outDir = path.dirname(render);
    return {
      quick: false,
      modelDir: '',
      deployedModelDir: '',
      photosDir: '',
      outDir,
      publish: values.publish,
      render,
    };
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
    deployedModelDir: deployedModel(modelDir),
    onnxFile: values.onnx ? path.resolve(cwd, values.onnx) : undefined,
    photosDir: folder('photos', values.photos, shared && path.join(shared, 'images'), cwd),
    labelledDir: labelled,
    outDir: path.resolve(cwd, values.out),
    publish: values.publish,
  };
}

/** Parses a command line by the bench's definition; undefined for --help. Throws BenchUsageError. */
export function parseBenchArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): BenchOptions | undefined {
  let parsed: ReturnType<typeof parseCommand<typeof BENCH_OPTIONS>>;
  try {
    parsed = parseCommand(
      { name: 'bench', description: BENCH_DESCRIPTION, options: BENCH_OPTIONS, run: async () => 0 },
      argv,
    );
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  return parsed.help ? undefined : benchOptions(parsed.values, env, cwd);
}
