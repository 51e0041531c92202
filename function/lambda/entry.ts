// The deployed handler (template.yaml: Handler entry.handler): wires the real clients at init.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadClassifier } from '../classifier';
import { loadConfig } from './config';
import { createFunctionHandler } from './router';
import { createS3Client, S3ObjectStore } from './s3-object-store';
import { mapStackTracesLazily } from './stack-traces';

// In the CommonJS bundle: stack traces in the TypeScript sources, the map read at the first one.
if (typeof __filename === 'string') mapStackTracesLazily(__filename);

// Init, once per container. A bad setting throws here, failing the init with the variable's name.
const config = loadConfig(process.env);
const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });

// The bundle is CommonJS (Lambda's NODE_PATH only serves require), so there is no top-level await: the
// model starts loading now, during init, and the handler awaits the same promise.
const classifier = loadClassifier({
  modelDir: config.modelDir,
  backend: config.backend,
  decoder: config.decoder,
  limits: { maxBytes: config.maxObjectBytes, maxPixels: config.maxPixels },
  warmUp: config.warmUp,
});
classifier.then(
  (c) =>
    logger.info('model loaded', {
      model: c.model.name,
      backend: c.backend,
      decoder: c.decoder,
      modelDir: config.modelDir,
    }),
  // Logged once here; every invocation then fails on the same rejected promise (see the handler).
  (error: unknown) =>
    logger.critical('model failed to load', { modelDir: config.modelDir, error: error as Error }),
);

// Uploads (S3 notifications), backfill (S3 Batch Operations) and on-demand requests (Function URL), all on
// the one model loading above.
export const handler = createFunctionHandler({
  store: new S3ObjectStore(createS3Client()),
  classifier,
  logger,
  metrics,
  config,
});
