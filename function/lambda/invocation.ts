import type { Context } from 'aws-lambda';
import type { Classifier } from '../classifier';
import type { LambdaConfig } from './config';
import { codeOf } from './errors';
import type { LogSink, MetricsSink, Trigger } from './telemetry';

export interface InvocationDeps {
  classifier: Classifier | Promise<Classifier>;
  logger: LogSink;
  metrics: MetricsSink;
  config: Pick<LambdaConfig, 'modelDir'>;
  isColdStart: () => boolean;
}

/** One invocation's facts, for an item's result and log lines. */
export interface InvocationRun {
  requestId: string;
  isColdStart: boolean;
  /** Aborts the S3 calls shortly before the invocation's deadline. */
  signal: AbortSignal;
  trigger: Trigger;
}

export interface Invocation {
  isColdStart: boolean;
  /** The model, once loaded (a failed load is logged and thrown); each handler decides when it waits. */
  model: () => Promise<Classifier>;
  /** The facts one item's work carries into its result and log line. */
  itemRun: (signal: AbortSignal, trigger: Trigger) => InvocationRun;
}

/**
 * The model, once loaded. A failed load is nothing the images did: it is logged and thrown, so the
 * invocation fails and is retried once the deployment is fixed.
 */
export async function awaitModel(
  classifier: Classifier | Promise<Classifier>,
  logger: LogSink,
  config: Pick<LambdaConfig, 'modelDir'>,
): Promise<Classifier> {
  try {
    return await classifier;
  } catch (error) {
    logger.critical('the model could not be loaded at init', {
      errorCode: codeOf(error),
      modelDir: config.modelDir,
      error: error as Error,
    });
    throw error;
  }
}

/**
 * What every handler does around its own work: note a cold start, give the logger the Lambda context,
 * count the cold start, and publish the stored metrics however the work ends.
 */
export async function withInvocation<T>(
  deps: InvocationDeps,
  context: Context,
  work: (invocation: Invocation) => Promise<T>,
): Promise<T> {
  const isColdStart = deps.isColdStart();
  deps.logger.addContext(context);
  deps.metrics.captureColdStartMetric(context.functionName);
  try {
    return await work({
      isColdStart,
      model: () => awaitModel(deps.classifier, deps.logger, deps.config),
      itemRun: (signal, trigger) => ({ requestId: context.awsRequestId, isColdStart, signal, trigger }),
    });
  } finally {
    deps.metrics.publishStoredMetrics();
  }
}
