import { ErrorCode, LambdaVisionError } from '../../function/classifier';

/** A mistake in how the command was called: print the message and usage, exit 2 (no stack trace). */
export class CliError extends LambdaVisionError {
  constructor(message: string) {
    super(ErrorCode.USAGE, message);
    this.name = 'CliError';
  }
}
