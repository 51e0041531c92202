import type { S3Client } from '@aws-sdk/client-s3';
import type { Classifier } from '../../../function/classifier';
import type { HandlerDeps } from '../../../function/lambda';
import { S3ObjectStore } from '../../../function/lambda/s3-object-store';
import { RecordingLogger, RecordingMetrics, testConfig } from './fakes';

/**
 * Handler dependencies over a real S3 client (a local server, a fault proxy, or one gone away): recording
 * logger and metrics, the default config, nothing printed. `overrides` replace parts.
 */
export function s3HandlerDeps(
  client: S3Client,
  classifier: Classifier,
  overrides: Partial<HandlerDeps> = {},
): HandlerDeps {
  return {
    store: new S3ObjectStore(client),
    classifier,
    logger: new RecordingLogger(),
    metrics: new RecordingMetrics(),
    config: testConfig(),
    print: () => undefined,
    ...overrides,
  };
}
