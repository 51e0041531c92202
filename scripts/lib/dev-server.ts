import { Logger } from '@aws-lambda-powertools/logger';
import { type Classifier, loadClassifier } from '../../function/classifier';
import {
  coldStartFlag,
  createFunctionHandler,
  createS3NotificationHandler,
  decodeS3Key,
  type HandlerDeps,
  type LambdaConfig,
  type LogSink,
  loadConfig,
  NO_METRICS,
  resultLocationFor,
  S3ObjectStore,
} from '../../function/lambda';
import { CliError } from '../cli/cli-error';
import { devPage } from './dev-page';
import { type FunctionUrlServer, startFunctionUrlServer } from './function-url-server';
import { localContext } from './local-context';
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_REGION, type S3NotificationRecord, startLocalS3 } from './local-s3';

export const DEFAULT_DEV_PORT = 4569;
/** The on-demand endpoint (the Function URL's stand-in) listens on the next port. */
export const DEFAULT_API_PORT = DEFAULT_DEV_PORT + 1;
export const DEFAULT_DEV_BUCKET = 'lambdavision';

export interface DevServerOptions {
  modelDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** The on-demand endpoint's port; 0 picks a free one (the default when `port` is 0). */
  apiPort?: number;
  bucket?: string;
  /**
   * Classify each upload, as the S3 trigger does (default). Off, the bucket behaves like one whose
   * images predate the function: what `npm run backfill` is for.
   */
  trigger?: boolean;
  /** Function settings (TOP_K, RESULTS_PREFIX, ...), read as Lambda would read its environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** An already loaded classifier (tests share one); loaded from modelDir otherwise. */
  classifier?: Classifier;
  logger?: LogSink;
  /** Messages for the person at the terminal. */
  say?: (line: string) => void;
  /** The function's `score=…` line; stdout by default. */
  print?: (line: string) => void;
}

export interface DevServer {
  endpoint: string;
  port: number;
  /** The on-demand endpoint, e.g. http://127.0.0.1:4570 (POST /classify). */
  apiEndpoint: string;
  apiPort: number;
  trigger: boolean;
  bucket: string;
  config: LambdaConfig;
  /** What to type in another terminal. */
  instructions: string;
  /** Resolves once every upload seen so far has been handled. */
  idle(): Promise<void>;
  /** Uploads handled, and how many of them made the handler throw. */
  stats(): { handled: number; threw: number };
  close(): Promise<void>;
}

// The dev loop has no CloudWatch: metrics would only be EMF noise on the terminal.
export function devInstructions(
  endpoint: string,
  bucket: string,
  config: LambdaConfig,
  apiEndpoint?: string,
  trigger = true,
): string {
  const results = resultLocationFor({ bucket, key: `${config.uploadPrefix}photo.jpg` }, config);
  const lines = [
    // The local endpoint takes any key; these keep the user's own profile (which may be SSO or assume a
    // role, i.e. call AWS to get its keys) out of the local loop, and stand in where no AWS setup exists.
    'In another terminal (the local endpoint takes any key; these keep your own AWS profile out of it):',
    '  unset AWS_PROFILE AWS_SESSION_TOKEN',
    `  export AWS_ACCESS_KEY_ID=${LOCAL_S3_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_S3_CREDENTIALS.secretAccessKey} AWS_DEFAULT_REGION=${LOCAL_S3_REGION}`,
    `  aws s3 cp photo.jpg s3://${bucket}/${config.uploadPrefix} --endpoint-url ${endpoint}`,
    ...(trigger
      ? []
      : [
          `  npx lambdavision backfill --prefix ${config.uploadPrefix} --endpoint-url ${endpoint} --bucket ${bucket}   # uploads are not classified (--no-trigger)`,
        ]),
    `  aws s3 cp "s3://${results.bucket}/${results.key}" - --endpoint-url ${endpoint}`,
    `  aws s3 ls s3://${results.bucket}/${config.resultsPrefix} --recursive --endpoint-url ${endpoint}`,
  ];
  if (apiEndpoint) {
    lines.push(
      'On demand (the Function URL, locally without IAM):',
      `  curl --data-binary @photo.jpg '${apiEndpoint}/classify?topK=3'`,
      `  curl -H 'Content-Type: application/json' -d '{"s3": {"bucket": "${bucket}", "key": "${config.uploadPrefix}photo.jpg"}}' '${apiEndpoint}/classify'`,
      `  aws rekognition detect-labels --image-bytes fileb://photo.jpg --endpoint-url ${apiEndpoint}`,
      `A page to try it (labels, colours, the latest uploads): ${apiEndpoint}/`,
    );
  }
  return lines.join('\n');
}

/**
 * `npm run dev`: a local S3 endpoint with the bucket created, running the handler (the same
 * createS3NotificationHandler the Lambda uses, over the real S3 wire protocol) on each object created under the
 * upload prefix, one at a time, and the on-demand endpoint (the function's router behind a local
 * Function URL stand-in) on the next port. A failing upload is reported and the server keeps serving.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const bucket = options.bucket ?? DEFAULT_DEV_BUCKET;
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  let config: LambdaConfig;
  try {
    config = loadConfig({ ...options.env, MODEL_DIR: options.modelDir });
  } catch (cause) {
    throw new CliError((cause as Error).message);
  }
  const classifier =
    options.classifier ??
    (await loadClassifier({
      modelDir: config.modelDir,
      backend: config.backend,
      decoder: config.decoder,
      limits: { maxBytes: config.maxObjectBytes, maxPixels: config.maxPixels },
    }));
  const buckets = [
    bucket,
    ...(config.resultsBucket && config.resultsBucket !== bucket ? [config.resultsBucket] : []),
  ];
  let s3: Awaited<ReturnType<typeof startLocalS3>>;
  try {
    s3 = await startLocalS3({ port: options.port ?? DEFAULT_DEV_PORT, buckets });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(
        `port ${options.port ?? DEFAULT_DEV_PORT} is in use: pass --port N (0 for any free port)`,
      );
    }
    throw cause;
  }
  const functionName = 'lambdavision-dev';
  const deps: HandlerDeps = {
    store: new S3ObjectStore(s3.client()),
    classifier,
    logger: options.logger ?? new Logger({ serviceName: config.serviceName, logLevel: config.logLevel }),
    metrics: NO_METRICS,
    config,
    print: options.print,
    isColdStart: coldStartFlag(),
  };
  // Uploads go to the S3-event handler, requests to the function's router (as the deployed Function URL
  // does), both over the same deps: one model, one cold start.
  const handler = createS3NotificationHandler(deps);
  const router = createFunctionHandler(deps);
  let api: FunctionUrlServer;
  const apiPort = options.apiPort ?? (options.port === 0 ? 0 : DEFAULT_API_PORT);
  try {
    api = await startFunctionUrlServer({
      handler: (event, context) => router(event, context),
      port: apiPort,
      functionName,
      say,
      pages: devPage({
        s3: s3.client(),
        bucket,
        resultsBucket: config.resultsBucket ?? bucket,
        resultsPrefix: config.resultsPrefix,
      }),
    });
  } catch (cause) {
    await s3.close();
    if ((cause as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(
        `port ${apiPort} (the on-demand endpoint) is in use: pass --api-port N (0 for any free port)`,
      );
    }
    throw cause;
  }
  const trigger = options.trigger ?? true;

  let queue: Promise<void> = Promise.resolve();
  const counts = { handled: 0, threw: 0 };
  const handle = async (record: S3NotificationRecord) => {
    const key = decodeS3Key(record.s3.object.key);
    try {
      const summary = await handler({ Records: [record] }, localContext(functionName));
      for (const outcome of summary.records) {
        if (outcome.result) {
          say(`  -> ${outcome.status}: s3://${outcome.result.bucket}/${outcome.result.key}`);
        }
      }
    } catch (error) {
      counts.threw += 1;
      say(`  !! s3://${bucket}/${key}: the handler threw (Lambda would retry): ${(error as Error).message}`);
    } finally {
      counts.handled += 1;
    }
  };
  const stopListening = s3.onObjectCreated((record) => {
    if (!trigger) return;
    const key = decodeS3Key(record.s3.object.key);
    // The S3 trigger's filter: only uploads start the function, never its own results.
    if (record.s3.bucket.name !== bucket || !key.startsWith(config.uploadPrefix)) return;
    say(`upload: s3://${bucket}/${key} (${record.s3.object.size ?? '?'} bytes)`);
    queue = queue.then(() => handle(record));
  });

  return {
    endpoint: s3.endpoint,
    port: s3.port,
    apiEndpoint: api.endpoint,
    apiPort: api.port,
    trigger,
    bucket,
    config,
    instructions: devInstructions(s3.endpoint, bucket, config, api.endpoint, trigger),
    idle: async () => {
      // Events fire after S3's response; a turn of the event loop lets a just-finished upload enqueue.
      await new Promise((resolve) => setImmediate(resolve));
      await queue;
    },
    stats: () => ({ ...counts }),
    async close() {
      stopListening();
      await queue;
      await api.close();
      await s3.close();
      if (!options.classifier) classifier.dispose();
    },
  };
}
