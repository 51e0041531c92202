/** A mistake in how the command was called: print the message and usage, exit 2 (no stack trace). */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
