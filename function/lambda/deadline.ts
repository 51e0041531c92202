import type { Context } from 'aws-lambda';

// Stop this long (at least) before Lambda's deadline, so the retry sees a clean failure rather than a
// timeout in the middle of a write. Grows with the slowest item seen in the invocation.
export const MIN_DEADLINE_MARGIN_MS = 1000;
const DEADLINE_MARGIN_FACTOR = 1.5;

/** The time to keep in hand before starting another item, given the slowest one so far. */
export const deadlineMargin = (slowestMs: number): number =>
  Math.max(MIN_DEADLINE_MARGIN_MS, slowestMs * DEADLINE_MARGIN_FACTOR);

/** Aborts an item's S3 calls shortly before the invocation's deadline. */
export const itemSignal = (remainingMs: number): AbortSignal =>
  AbortSignal.timeout(Math.max(1, remainingMs - MIN_DEADLINE_MARGIN_MS));

/** Where a run stopped for the deadline: the items not started, the time left and the margin kept. */
export interface DeadlineStop<T> {
  left: T[];
  remainingMs: number;
  marginMs: number;
}

/**
 * Runs the items in turn while the invocation has more time left than the margin; each gets a signal that
 * aborts its S3 calls before the deadline. Returns where it stopped, or undefined when every item ran.
 */
export async function runBeforeDeadline<T>(
  items: readonly T[],
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  run: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<DeadlineStop<T> | undefined> {
  let slowestMs = 0;
  for (const [i, item] of items.entries()) {
    const marginMs = deadlineMargin(slowestMs);
    const remaining = context.getRemainingTimeInMillis();
    if (remaining < marginMs) return { left: items.slice(i), remainingMs: remaining, marginMs };
    const started = performance.now();
    await run(item, itemSignal(remaining));
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
  return undefined;
}
