import { runInvoke } from './lib/invoke-command';

// The only place that sets the exit status: runInvoke returns it so tests can call it.
process.exitCode = await runInvoke(process.argv.slice(2));
