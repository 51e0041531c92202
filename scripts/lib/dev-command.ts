import { defineCommand, type OptionDefs, parseCommand, usageOf, type Values } from '../cli/command';
import { wholeNumber } from '../cli/option-values';
import {
  DEFAULT_API_PORT,
  DEFAULT_DEV_BUCKET,
  DEFAULT_DEV_PORT,
  type DevServer,
  startDevServer,
} from './dev-server';
import { localModelDir } from './local-model-dir';

const port = (fallbackText: string) =>
  ({
    type: 'string',
    value: 'n',
    description: 'port (0 for any free port)',
    defaultText: fallbackText,
    parse: wholeNumber(0, 65535),
  }) as const;

const DEV_OPTIONS = {
  port: {
    ...port(String(DEFAULT_DEV_PORT)),
    description: 'port of the local S3 endpoint (0 for any free port)',
  },
  'api-port': {
    ...port(`${DEFAULT_API_PORT}, or any free port with --port 0`),
    description: 'port of the on-demand endpoint (0 for any free port)',
  },
  bucket: {
    type: 'string',
    value: 'name',
    description: 'bucket to create and watch',
    default: DEFAULT_DEV_BUCKET,
  },
  model: {
    type: 'string',
    value: 'dir',
    description: 'model folder',
    defaultText: 'LAMBDAVISION_MODEL_DIR, else .lambdavision/models/default',
  },
  'no-trigger': {
    type: 'boolean',
    description:
      'do not classify uploads (a bucket whose images predate the function: lambdavision backfill)',
  },
} satisfies OptionDefs;

export const devCommand = defineCommand({
  name: 'dev',
  description: `A local S3 endpoint on 127.0.0.1 that runs the function on every object uploaded under the upload prefix,
and the function's on-demand endpoint (POST /classify, as its Function URL) on the next port.
Function settings (TOP_K, RESULTS_PREFIX, UPLOAD_PREFIX, ...) are read from the environment, as on Lambda.
It answers any AWS access key, so your own AWS credentials and profile do no harm, and it never forwards
anything to AWS. Runs until Ctrl-C, which stops it (exit 0).`,
  options: DEV_OPTIONS,
  async run({ values }, io) {
    const say = (line: string) => io.stderr.write(`${line}\n`);
    const server = await startDev(values, io.env, say);
    if (!io.signal) return 0; // nothing can stop it: tests close it themselves
    await new Promise((resolve) => io.signal?.addEventListener('abort', resolve, { once: true }));
    say('\nstopping ...');
    await server.close();
    return 0;
  },
});

/** Parses the arguments and starts the server; resolves to the running server, or undefined after --help. */
export async function runDev(
  argv: string[],
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<DevServer | undefined> {
  const parsed = parseCommand(devCommand, argv);
  if (parsed.help) {
    say(usageOf(devCommand));
    return undefined;
  }
  return startDev(parsed.values, process.env, say);
}

async function startDev(
  values: Values<typeof DEV_OPTIONS>,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<DevServer> {
  const port = values.port ?? DEFAULT_DEV_PORT;
  const apiPort = values['api-port'] ?? (port === 0 ? 0 : DEFAULT_API_PORT);
  const modelDir = localModelDir(values.model, env);
  say(`loading the model from ${modelDir} ...`);
  const server = await startDevServer({
    modelDir,
    port,
    apiPort,
    bucket: values.bucket,
    trigger: !values['no-trigger'],
    env,
    say,
  });
  const { config } = server;
  say(
    `LambdaVision dev server: local S3 at ${server.endpoint}, bucket "${server.bucket}"; ${server.trigger ? `classifying uploads under "${config.uploadPrefix}"` : 'NOT classifying uploads (--no-trigger)'}, results under "${config.resultsPrefix}".`,
  );
  say(
    `On-demand endpoint: POST ${server.apiEndpoint}/classify (image bytes, or JSON {"s3": {"bucket", "key"}}).`,
  );
  say('');
  say(server.instructions);
  say('');
  say('Ctrl-C stops the server (uploads live in a temporary folder and are removed).');
  return server;
}
