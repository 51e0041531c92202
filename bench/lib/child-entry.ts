import { ERROR_PREFIX, RESULT_PREFIX } from './child-protocol';

/**
 * What every child entry does: runs the job on its command line, prints the result line and exits (0), or
 * prints the error and exits (1). The only place in a child that exits.
 */
export function runChild<J, R>(run: (job: J) => Promise<R>): void {
  run(JSON.parse(process.argv[2] ?? '{}') as J).then(
    (result) => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0)),
    (error: unknown) => {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(
        `${error instanceof Error ? error.stack : text}\n${ERROR_PREFIX}${text.split('\n')[0]}\n`,
      );
      process.exit(1);
    },
  );
}
