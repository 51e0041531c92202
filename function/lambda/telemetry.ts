import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

/** The part of Powertools' Logger the handlers use; tests hand in a recorder. */
export interface LogSink {
  debug(message: string, attributes: LogAttributes): void;
  info(message: string, attributes: LogAttributes): void;
  warn(message: string, attributes: LogAttributes): void;
  error(message: string, attributes: LogAttributes): void;
  critical(message: string, attributes: LogAttributes): void;
  addContext(context: Context): void;
}

export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The part of Powertools' Metrics (CloudWatch EMF) the handlers use. */
export interface MetricsSink {
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
  captureColdStartMetric(functionName?: string): unknown;
  publishStoredMetrics(): unknown;
}

/** Metrics that go nowhere: for local runs (the dev loop, a local backfill), where CloudWatch is absent. */
export const NO_METRICS: MetricsSink = {
  addMetric: () => undefined,
  captureColdStartMetric: () => undefined,
  publishStoredMetrics: () => undefined,
};

export const METRIC = {
  classified: 'ImagesClassified',
  duration: 'ClassificationDuration',
  permanent: 'PermanentFailures',
  transient: 'TransientFailures',
} as const;

/** What started the work, in log lines: the upload trigger, a Batch Operations job, or the endpoint. */
export type Trigger = 's3-event' | 's3-batch' | 'function-url';

/** True on the first call only: the first invocation of a container, whatever its event. */
export function coldStartFlag(): () => boolean {
  let cold = true;
  return () => {
    const was = cold;
    cold = false;
    return was;
  };
}
