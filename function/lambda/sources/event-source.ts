import type { Context } from 'aws-lambda';
import type { HandlerDeps } from '../handler-deps';

/** A handler for one kind of event, built over the shared item loop (run-items.ts). */
export type SourceHandler<R> = (event: unknown, context: Context) => Promise<R>;

/**
 * One kind of event the function answers: a row of the router's table. `matches` tells the kind from the
 * event's shape alone (the handler then checks the rest); `expects` names that shape for the error a
 * stray event gets.
 */
export interface EventSource<K extends string, C extends string, R> {
  kind: K;
  /** The constant's name in EventKind, e.g. `S3_BATCH`. */
  constant: C;
  expects: string;
  matches: (event: unknown) => boolean;
  create: (deps: HandlerDeps) => SourceHandler<R>;
}

/** Keeps a source's literal kind and constant in its type (the router derives EventKind from them). */
export const defineSource = <const K extends string, const C extends string, R>(
  source: EventSource<K, C, R>,
): EventSource<K, C, R> => source;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
