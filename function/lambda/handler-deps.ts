import type { Classifier } from '../classifier';
import type { LambdaConfig } from './config';
import type { ObjectStore } from './object-store';
import { coldStartFlag, type LogSink, type MetricsSink } from './telemetry';

/** What every event source's handler is built from; tests hand in fakes. */
export interface HandlerDeps {
  store: ObjectStore;
  /** A promise when the model is still loading from init: the handler waits for it. */
  classifier: Classifier | Promise<Classifier>;
  logger: LogSink;
  metrics: MetricsSink;
  config: LambdaConfig;
  /** Where the original `score=… classid=… human=…` line goes; stdout by default. */
  print?: (line: string) => void;
  now?: () => Date;
  /**
   * True on a container's first invocation. The handlers of one function share one (see router.ts), so
   * whichever event comes first is the cold one; each handler keeps its own by default.
   */
  isColdStart?: () => boolean;
}

/** The deps with the defaults filled in. */
export type ResolvedDeps = Required<HandlerDeps>;

export function resolveDeps(deps: HandlerDeps): ResolvedDeps {
  return {
    ...deps,
    print: deps.print ?? ((line: string) => process.stdout.write(`${line}\n`)),
    now: deps.now ?? (() => new Date()),
    isColdStart: deps.isColdStart ?? coldStartFlag(),
  };
}
