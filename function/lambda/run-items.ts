import type { Context } from 'aws-lambda';
import type { ErrorCode } from '../classifier';
import { type DeadlineStop, runBeforeDeadline } from './deadline';
import { DeadlineError, failureOf } from './errors';

/**
 * The one item loop every event source runs: items (an S3 notification's records, a Batch Operations
 * job's tasks, one HTTP request) in turn before the deadline, each ending in one outcome. The source
 * decides only how its event becomes items and how outcomes become its answer.
 */

/** How one item ended. */
export type ItemOutcome<T, R> =
  | { status: 'done'; item: T; value: R }
  /** The item itself cannot succeed (a bad image, a gone object): record it, never retry. */
  | { status: 'permanent'; item: T; error: unknown; code: ErrorCode }
  /** A retry can succeed (S3 trouble, a failed write, a bug): leave the item for the retry. */
  | { status: 'transient'; item: T; error: unknown; code: ErrorCode }
  /** Not started: too little time was left before the deadline. */
  | { status: 'not-reached'; item: T };

export interface ItemsRun<T, R> {
  /** One per item, in the items' order. */
  outcomes: ItemOutcome<T, R>[];
  /** Where the run stopped for the deadline, when it did. */
  stop: DeadlineStop<T> | undefined;
}

/**
 * The error that stands for the items a run left for the deadline, e.g. "stopped 800 ms before the
 * deadline with 2 of 5 records not processed (keeping a 1000 ms margin); they will be retried".
 */
export function deadlineErrorFor<T>(
  stop: DeadlineStop<T>,
  total: number,
  wording: { left: string; retry: string },
): DeadlineError {
  return new DeadlineError(
    `stopped ${stop.remainingMs} ms before the deadline with ${stop.left.length} of ${total} ${wording.left} (keeping a ${Math.round(stop.marginMs)} ms margin); ${wording.retry}`,
  );
}

/**
 * Runs `work` on each item while the invocation has time (see deadline.ts), sorting what each throws with
 * `failureOf`. `onOutcome` sees each outcome as it happens, so its log lines fall among the items' own.
 */
export async function runItems<T, R>(
  items: readonly T[],
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  work: (item: T, signal: AbortSignal) => Promise<R>,
  onOutcome: (outcome: ItemOutcome<T, R>) => void = () => undefined,
): Promise<ItemsRun<T, R>> {
  const outcomes: ItemOutcome<T, R>[] = [];
  const settle = (outcome: ItemOutcome<T, R>) => {
    outcomes.push(outcome);
    onOutcome(outcome);
  };
  const stop = await runBeforeDeadline(items, context, async (item, signal) => {
    try {
      settle({ status: 'done', item, value: await work(item, signal) });
    } catch (error) {
      const { code, kind } = failureOf(error);
      settle({ status: kind, item, error, code });
    }
  });
  for (const item of stop?.left ?? []) settle({ status: 'not-reached', item });
  return { outcomes, stop };
}

/** The loop for a source whose event is one item (an HTTP request): its one outcome. */
export async function runItem<T, R>(
  item: T,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  work: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<ItemOutcome<T, R>> {
  const { outcomes } = await runItems([item], context, work);
  // One item in, one outcome out (runItems settles every item, reached or not).
  return outcomes[0] as ItemOutcome<T, R>;
}
