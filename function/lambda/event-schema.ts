import type * as z from 'zod';
import { InvalidEventError } from './errors';

/** What a schema found wrong, one `path: message` per issue; `whole` names the root (e.g. `(event)`). */
export const issuesOf = (error: z.ZodError, whole: string): string =>
  error.issues.map((i) => `${i.path.join('.') || whole}: ${i.message}`).join('; ');

/** Reads an event with its schema; anything else is an InvalidEventError saying `not <what>: <issues>`. */
export function parseEventWith<S extends z.ZodType>(schema: S, event: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw new InvalidEventError(`not ${what}: ${issuesOf(parsed.error, '(event)')}`);
  return parsed.data;
}
