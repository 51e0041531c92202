import { readFileSync } from 'node:fs';
import { type CommandIo, PROGRAM, runCommand } from './command';
import { COMMANDS } from './commands';
import { connectionRefused } from './connection-refused';

/** Exit statuses every command shares (each command's --help lists its own too). */
export const EXIT = {
  OK: 0,
  /** Some items failed (files, objects, cases), or the command's work failed; each is reported. */
  FAILED: 1,
  /** A usage mistake: the message and the usage text are printed. */
  USAGE: 2,
  /** Stopped by Ctrl-C (a second Ctrl-C, for commands that stop gracefully on the first). */
  INTERRUPTED: 130,
} as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Self-hosted image classification: the classifier on this machine, and the AWS Lambda function locally.',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, row]) => `  ${name.padEnd(width)}${row.summary}`),
    '',
    `${PROGRAM} <command> --help shows a command's options. Results go to stdout, everything else to stderr.`,
    '',
    'Exit status:',
    `  ${EXIT.OK}    success`,
    `  ${EXIT.FAILED}    some items failed (each is reported), or the work failed`,
    `  ${EXIT.USAGE}    usage error`,
    `  ${EXIT.INTERRUPTED}  interrupted (Ctrl-C); dev, a server, exits 0 when stopped that way`,
  ].join('\n');
}

/**
 * `lambdavision <command> ...`: arguments and streams in, exit status out, so tests call it as the entry
 * does. Only `main` (below) exits the process.
 */
export async function runMain(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io[name === undefined ? 'stderr' : 'stdout'].write(`${mainUsage()}\n`);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  const row = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!row) {
    io.stderr.write(`${PROGRAM}: unknown command "${name}"\n\n${mainUsage()}\n`);
    return EXIT.USAGE;
  }
  const command = await row.load();
  try {
    return await runCommand(command, rest, io);
  } catch (error) {
    // A server that is not running is the user's to start, not a bug: one line, no stack.
    const refused = connectionRefused(error);
    if (!refused) throw error;
    io.stderr.write(`${PROGRAM} ${name}: ${refused}\n`);
    return EXIT.FAILED;
  }
}

/**
 * The process entry (bin/lambdavision.js, scripts/*.ts): wires Ctrl-C and the real streams, prints the
 * stack of a bug, and exits with the command's status.
 */
export async function main(argv: readonly string[]): Promise<void> {
  // Results own stdout. Some pure-JavaScript decoders print debug lines with console.log (utif2 on tiled
  // TIFFs, omggif on truncated GIFs); in this process they go to stderr with the other diagnostics.
  console.log = console.error;

  // The first Ctrl-C asks the command to stop (it finishes what is in flight and reports); a second one
  // quits at once with 130. `npm run` relays the terminal's Ctrl-C to its child a second time a few
  // milliseconds later: a repeat within half a second is the same Ctrl-C.
  const stop = new AbortController();
  let stoppedAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedAt === undefined) {
      stoppedAt = Date.now();
      stop.abort(signal); // each command says how it stops
    } else if (Date.now() - stoppedAt > 500) {
      process.exit(EXIT.INTERRUPTED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let status: number;
  try {
    status = await runMain(argv, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      signal: stop.signal,
    });
  } catch (error) {
    process.stderr.write(`${PROGRAM}: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`);
    status = EXIT.FAILED;
  }
  process.exitCode = status;
  // Let stdout drain (pipes are asynchronous on macOS), then exit even if a library left a handle open.
  setTimeout(() => process.exit(status), 2000).unref();
}
