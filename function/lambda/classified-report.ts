import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { InvocationRun } from './invocation';
import type { ResultSource, SuccessResult } from './result-document';
import type { ObjectLocation } from './result-key';
import { type LogSink, METRIC, type MetricsSink } from './telemetry';

/** The attributes every structured line about one object carries. */
export const objectAttributes = (source: ResultSource, run: Omit<InvocationRun, 'signal'>) => ({
  bucket: source.bucket,
  key: source.key,
  etag: source.etag,
  versionId: source.versionId,
  requestId: run.requestId,
  coldStart: run.isColdStart,
  trigger: run.trigger,
});

/**
 * The one "classified" line, for every event source: one structured line (with the object when there is
 * one, and where the result went when it was stored) and the metrics. (The original `score=…` line is
 * printed by the caller before its result is written, so it shows even when the write then fails.)
 */
export function reportClassified(
  sinks: { logger: LogSink; metrics: MetricsSink },
  doc: Omit<SuccessResult, 'source'> & { source: ResultSource | null },
  run: Omit<InvocationRun, 'signal'>,
  stored?: ObjectLocation,
): void {
  sinks.logger.info('classified', {
    ...(doc.source
      ? objectAttributes(doc.source, run)
      : { requestId: run.requestId, coldStart: run.isColdStart, trigger: run.trigger }),
    backend: doc.backend,
    decoder: doc.decoder,
    model: doc.model,
    topK: doc.predictions.map((p) => ({ classId: p.classId, label: p.label, probability: p.probability })),
    image: doc.image,
    timings: doc.timings,
    ...(stored ? { result: `s3://${stored.bucket}/${stored.key}` } : {}),
  });
  sinks.metrics.addMetric(METRIC.classified, MetricUnit.Count, 1);
  sinks.metrics.addMetric(METRIC.duration, MetricUnit.Milliseconds, doc.timings.totalMs);
}

/** A transient failure, as every source reports one: an error line and the TransientFailures metric. */
export function reportTransient(
  sinks: { logger: LogSink; metrics: MetricsSink },
  message: string,
  attributes: LogAttributes,
): void {
  sinks.logger.error(message, attributes);
  sinks.metrics.addMetric(METRIC.transient, MetricUnit.Count, 1);
}
