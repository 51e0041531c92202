import { CliError } from './cli/cli-error';
import { DEV_USAGE, runDev } from './lib/dev-command';

// The only place that exits: runDev returns the running server.
try {
  const server = await runDev(process.argv.slice(2));
  if (server) {
    const stop = async () => {
      process.stderr.write('\nstopping ...\n');
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`error: ${error.message}\n\n${DEV_USAGE}\n`);
  process.exitCode = 2;
}
