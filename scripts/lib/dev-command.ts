import { parseArgs } from 'node:util';
import { CliError } from '../cli/cli-error';
import { DEFAULT_DEV_BUCKET, DEFAULT_DEV_PORT, type DevServer, startDevServer } from './dev-server';
import { localModelDir } from './local-model-dir';

export const DEV_USAGE = `usage: npm run dev -- [--port N] [--bucket NAME] [--model DIR]

A local S3 endpoint on 127.0.0.1 that runs the function on every object uploaded under the upload prefix.
Function settings (TOP_K, RESULTS_PREFIX, UPLOAD_PREFIX, ...) are read from the environment, as on Lambda.

  --port N        port of the local S3 endpoint (default ${DEFAULT_DEV_PORT}; 0 for any free port)
  --bucket NAME   bucket to create and watch (default ${DEFAULT_DEV_BUCKET})
  --model DIR     model folder (default: LAMBDAVISION_MODEL_DIR, else .lambdavision/models/default)`;

/** Parses the arguments and starts the server; resolves to the running server, or undefined after --help. */
export async function runDev(
  argv: string[],
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<DevServer | undefined> {
  let values: { port?: string; bucket?: string; model?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        bucket: { type: 'string' },
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
  const port = values.port === undefined ? DEFAULT_DEV_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be a port number (0-65535), got "${values.port}"`);
  }
  const modelDir = localModelDir(values.model);
  say(`loading the model from ${modelDir} ...`);
  const server = await startDevServer({ modelDir, port, bucket: values.bucket, env: process.env, say });
  const { config } = server;
  say(
    `LambdaVision dev server: local S3 at ${server.endpoint}, bucket "${server.bucket}"; classifying uploads under "${config.uploadPrefix}", results under "${config.resultsPrefix}".`,
  );
  say('');
  say(server.instructions);
  say('');
  say('Ctrl-C stops the server (uploads live in a temporary folder and are removed).');
  return server;
}
