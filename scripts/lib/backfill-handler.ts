import { S3Client } from '@aws-sdk/client-s3';
import { type Classifier, loadClassifier } from '../../function/classifier';
import {
  type BatchResponse,
  createFunctionHandler,
  type LambdaConfig,
  type LogSink,
  NO_METRICS,
  type S3BatchEventV2,
  S3ObjectStore,
} from '../../function/lambda';
import { localContext } from './local-context';

/** Where a local backfill reads and writes: the S3 endpoint and how to sign for it. Plain data (it crosses to workers). */
export interface LocalS3Target {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** One function instance: the handler as deployed, over its own model and S3 client. */
export interface LocalFunction {
  classifier: Classifier;
  invoke(event: S3BatchEventV2): Promise<BatchResponse>;
  close(): void;
}

export const localS3Client = (target: LocalS3Target): S3Client =>
  new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    credentials: target.credentials,
    forcePathStyle: true,
    maxAttempts: 3,
  });

// In-process runs have no CloudWatch: metrics would only be EMF noise.
/** Only what needs a person: the function's warnings go into the summary instead (they name each object). */
function criticalOnly(print: (line: string) => void): LogSink {
  const ignore = () => undefined;
  return {
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    critical: (message, attributes) =>
      print(`critical: ${message} ${JSON.stringify({ ...attributes, error: String(attributes.error) })}`),
    addContext: ignore,
  };
}

/**
 * Loads the model and builds the function's handler, as one Lambda instance would: in this thread
 * (--jobs 1) or in each backfill worker.
 */
export async function startLocalFunction(
  config: LambdaConfig,
  target: LocalS3Target,
  functionName: string,
  print: (line: string) => void,
): Promise<LocalFunction> {
  const classifier = await loadClassifier({
    modelDir: config.modelDir,
    backend: config.backend,
    decoder: config.decoder,
    limits: { maxBytes: config.maxObjectBytes, maxPixels: config.maxPixels },
  });
  const client = localS3Client(target);
  const handler = createFunctionHandler({
    store: new S3ObjectStore(client),
    classifier,
    logger: criticalOnly(print),
    metrics: NO_METRICS,
    config,
    print: () => undefined,
  });
  return {
    classifier,
    invoke: (event) => handler(event, localContext(functionName)),
    close: () => {
      classifier.dispose();
      client.destroy();
    },
  };
}
