import * as z from 'zod';
import {
  BACKENDS,
  type BackendChoice,
  checkNumber,
  DECODERS,
  DEFAULT_LIMITS,
  type DecoderChoice,
  describeRule,
  ErrorCode,
  LambdaVisionError,
  type NumericOption,
  OPTION_RULES,
} from '../classifier';

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LambdaConfig {
  modelDir: string;
  backend: BackendChoice;
  /** auto: sharp (libvips, from a layer) when it loads, else jimp. */
  decoder: DecoderChoice;
  topK: number;
  minConfidence: number;
  /** Where results go; undefined means the bucket the image came from. */
  resultsBucket: string | undefined;
  resultsPrefix: string;
  /** Only keys under it are classified ('' means every key). */
  uploadPrefix: string;
  /**
   * The on-demand endpoint reads {"s3": {"bucket", "key"}} references only under these key prefixes;
   * any other key answers exactly like a missing object (ON_DEMAND_PREFIXES, default: the upload prefix).
   */
  onDemandPrefixes: readonly string[];
  maxObjectBytes: number;
  maxPixels: number;
  logLevel: LogLevelName;
  serviceName: string;
  metricsNamespace: string;
  /**
   * Whether the model is warmed up while loading: not in an on-demand init (AWS_LAMBDA_INITIALIZATION_TYPE,
   * set by Lambda), where the request that started the container waits for the load and would pay for a
   * warm-up inference on top of its own first one; yes otherwise (provisioned concurrency, where it helps
   * if the load ends before the first request; outside Lambda).
   */
  warmUp: boolean;
}

export const CONFIG_DEFAULTS = {
  modelDir: '/opt/model',
  backend: 'auto',
  decoder: 'auto',
  topK: 5,
  minConfidence: 0,
  resultsPrefix: 'results/',
  uploadPrefix: 'uploads/',
  onDemandPrefixes: ['uploads/'],
  maxObjectBytes: DEFAULT_LIMITS.maxBytes,
  maxPixels: DEFAULT_LIMITS.maxPixels,
  logLevel: 'INFO',
  serviceName: 'lambdavision',
  metricsNamespace: 'LambdaVision',
} as const satisfies Partial<LambdaConfig>;

/** The environment variables the function reads. */
export const CONFIG_VARIABLES = [
  'MODEL_DIR',
  'BACKEND',
  'DECODER',
  'TOP_K',
  'MIN_CONFIDENCE',
  'RESULTS_BUCKET',
  'RESULTS_PREFIX',
  'UPLOAD_PREFIX',
  'ON_DEMAND_PREFIXES',
  'MAX_OBJECT_BYTES',
  'MAX_PIXELS',
  'LOG_LEVEL',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
] as const;

/** A setting that cannot be used; the message names the variable, so a failed init says what to fix. */
export class ConfigError extends LambdaVisionError {
  readonly variables: string[];
  constructor(variables: string[], message: string) {
    super(ErrorCode.INVALID_CONFIG, message);
    this.name = 'ConfigError';
    this.variables = variables;
  }
}

// Unset, empty and blank all mean "use the default", as in Powertools' env helpers.
const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === ''
    ? undefined
    : typeof value === 'string'
      ? value.trim()
      : value;

const setting = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema);

// The numeric settings take the core's ranges (OPTION_RULES), as the CLI's flags and the on-demand
// request's parameters do: one rule for each, whoever asks.
const coreNumber = (name: NumericOption, fallback: number) => {
  const rule = OPTION_RULES[name];
  return setting(
    z
      .union([z.string(), z.number()])
      .transform((value, ctx) => {
        try {
          return checkNumber(value, rule, name);
        } catch {
          ctx.addIssue({ code: 'custom', message: `must be ${describeRule(rule)}` });
          return z.NEVER;
        }
      })
      .default(fallback),
  );
};

// S3's rules for general purpose bucket names, loosely: 3-63 lowercase letters, digits, dots, hyphens.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const envSchema = z
  .object({
    MODEL_DIR: setting(z.string().default(CONFIG_DEFAULTS.modelDir)),
    BACKEND: setting(
      z
        .string()
        .toLowerCase()
        .pipe(z.enum(BACKENDS, { error: `must be one of ${BACKENDS.join(', ')}` }))
        .default(CONFIG_DEFAULTS.backend),
    ),
    DECODER: setting(
      z
        .string()
        .toLowerCase()
        .pipe(z.enum(DECODERS, { error: `must be one of ${DECODERS.join(', ')}` }))
        .default(CONFIG_DEFAULTS.decoder),
    ),
    TOP_K: coreNumber('topK', CONFIG_DEFAULTS.topK),
    MIN_CONFIDENCE: coreNumber('minConfidence', CONFIG_DEFAULTS.minConfidence),
    RESULTS_BUCKET: setting(
      z.string().regex(BUCKET_NAME, { error: 'must be an S3 bucket name (3-63 of a-z 0-9 . -)' }).optional(),
    ),
    // Prefixes are taken as written: S3 prefixes need not end in "/". Blank is kept, not defaulted.
    RESULTS_PREFIX: z.string().default(CONFIG_DEFAULTS.resultsPrefix),
    UPLOAD_PREFIX: z.string().default(CONFIG_DEFAULTS.uploadPrefix),
    // Comma-separated; unset or blank: the upload prefix. An empty prefix would admit every key.
    ON_DEMAND_PREFIXES: setting(
      z
        .string()
        .transform((value) => value.split(',').map((p) => p.trim()))
        .pipe(
          z
            .array(
              z
                .string()
                .min(1, { error: 'must not contain an empty prefix (it would admit every key)' })
                .regex(/^[^*?]*$/, { error: 'must not contain * or ? (prefixes are literal)' }),
            )
            .min(1),
        )
        .optional(),
    ),
    MAX_OBJECT_BYTES: coreNumber('maxBytes', CONFIG_DEFAULTS.maxObjectBytes),
    MAX_PIXELS: coreNumber('maxPixels', CONFIG_DEFAULTS.maxPixels),
    LOG_LEVEL: setting(
      z
        .string()
        .toUpperCase()
        .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
        .default(CONFIG_DEFAULTS.logLevel),
    ),
    POWERTOOLS_SERVICE_NAME: setting(z.string().default(CONFIG_DEFAULTS.serviceName)),
    POWERTOOLS_METRICS_NAMESPACE: setting(z.string().default(CONFIG_DEFAULTS.metricsNamespace)),
  })
  .superRefine((env, ctx) => {
    if (env.RESULTS_BUCKET !== undefined) return;
    // Same bucket: results must be told apart from uploads, or each result would trigger the function.
    if (env.RESULTS_PREFIX === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['RESULTS_PREFIX'],
        message: 'must not be empty while results go to the source bucket (RESULTS_BUCKET unset)',
      });
    } else if (env.UPLOAD_PREFIX.startsWith(env.RESULTS_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: ['RESULTS_PREFIX'],
        message: `must not be the start of UPLOAD_PREFIX "${env.UPLOAD_PREFIX}": every upload would be taken for a result`,
      });
    }
  });

/**
 * Reads and checks the function's settings once, at init. All bad variables are reported together,
 * each with its name and the value found.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): LambdaConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const variables: string[] = [];
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      variables.push(name);
      const value = env[name];
      return `${name} ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
    });
    throw new ConfigError(variables, `invalid configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  return {
    modelDir: e.MODEL_DIR,
    backend: e.BACKEND,
    decoder: e.DECODER,
    topK: e.TOP_K,
    minConfidence: e.MIN_CONFIDENCE,
    resultsBucket: e.RESULTS_BUCKET,
    resultsPrefix: e.RESULTS_PREFIX,
    uploadPrefix: e.UPLOAD_PREFIX,
    onDemandPrefixes: e.ON_DEMAND_PREFIXES ?? [e.UPLOAD_PREFIX],
    maxObjectBytes: e.MAX_OBJECT_BYTES,
    maxPixels: e.MAX_PIXELS,
    logLevel: e.LOG_LEVEL,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
    warmUp: env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'on-demand',
  };
}
