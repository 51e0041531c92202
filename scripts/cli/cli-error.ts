import { ErrorCode, LambdaVisionError } from '../../function/classifier';

/** A mistake in how the command was called: print the message and usage, exit 2 (no stack trace). */
export class CliError extends LambdaVisionError {
  constructor(message: string) {
    super(ErrorCode.USAGE, message);
    this.name = 'CliError';
  }
}

/**
 * How `train` and `evaluate` end on a coded error: one line `error: CODE: message` on stderr and exit 2,
 * no stack trace. Anything else is rethrown for the entry point to report as unexpected.
 */
export function codedErrorExit(error: unknown, stderr: { write(text: string): unknown }): number {
  if (!(error instanceof LambdaVisionError)) throw error;
  stderr.write(`error: ${error.code}: ${error.message}\n`);
  return 2;
}
