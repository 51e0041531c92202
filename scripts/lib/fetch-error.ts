import { ErrorCode, LambdaVisionError } from '../../function/classifier';

/** A model fetch that cannot succeed as asked: missing file, unreachable source, checksum mismatch, a model that does not load. */
export class FetchError extends LambdaVisionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.FETCH_FAILED, message, options);
    this.name = 'FetchError';
  }
}

/** The innermost reason of a network error (`fetch failed` says little; its cause names the host). */
export function reasonOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && parts.length < 4) {
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(code && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.join(': ') || String(error);
}
