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
