import { parseArgs } from 'node:util';
import { CliError } from '../cli/cli-error';
import {
  DEFAULT_API_PORT,
  DEFAULT_DEV_BUCKET,
  DEFAULT_DEV_PORT,
  type DevServer,
  startDevServer,
} from './dev-server';
import { localModelDir } from './local-model-dir';

export const DEV_USAGE = `usage: npm run dev -- [--port N] [--api-port N] [--bucket NAME] [--model DIR] [--no-trigger]

A local S3 endpoint on 127.0.0.1 that runs the function on every object uploaded under the upload prefix,
and the function's on-demand endpoint (POST /classify, as its Function URL) on the next port.
Function settings (TOP_K, RESULTS_PREFIX, UPLOAD_PREFIX, ...) are read from the environment, as on Lambda.

  --port N        port of the local S3 endpoint (default ${DEFAULT_DEV_PORT}; 0 for any free port)
  --api-port N    port of the on-demand endpoint (default ${DEFAULT_API_PORT}; 0 for any free port)
  --bucket NAME   bucket to create and watch (default ${DEFAULT_DEV_BUCKET})
  --model DIR     model folder (default: LAMBDAVISION_MODEL_DIR, else .lambdavision/models/default)
  --no-trigger    do not classify uploads (a bucket whose images predate the function: npm run backfill)`;

/** Parses the arguments and starts the server; resolves to the running server, or undefined after --help. */
export async function runDev(
  argv: string[],
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<DevServer | undefined> {
  let values: {
    port?: string;
    'api-port'?: string;
    bucket?: string;
    model?: string;
    'no-trigger'?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'api-port': { type: 'string' },
        bucket: { type: 'string' },
        'no-trigger': { type: 'boolean' },
        model: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (cause) {
    throw new CliError((cause as Error).message);
  }
  if (values.help) {
    say(DEV_USAGE);
    return undefined;
  }
  const portFrom = (flag: 'port' | 'api-port', fallback: number): number => {
    const port = values[flag] === undefined ? fallback : Number(values[flag]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new CliError(`--${flag} must be a port number (0-65535), got "${values[flag]}"`);
    }
    return port;
  };
  const port = portFrom('port', DEFAULT_DEV_PORT);
  const apiPort = portFrom('api-port', port === 0 ? 0 : DEFAULT_API_PORT);
  const modelDir = localModelDir(values.model);
  say(`loading the model from ${modelDir} ...`);
  const server = await startDevServer({
    modelDir,
    port,
    apiPort,
    bucket: values.bucket,
    trigger: !values['no-trigger'],
    env: process.env,
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
