import { runEvaluate } from './cli/evaluate-command';

// Results own stdout; decoders that print debug lines with console.log go to stderr.
console.log = console.error;

process.exitCode = await runEvaluate(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
