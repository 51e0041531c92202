import { rmSync } from 'node:fs';
import { runTrain } from './cli/train-command';

// An interrupted run removes the folder it was writing; the model folder itself is only ever renamed
// into place complete.
let staging: string | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (staging) rmSync(staging, { recursive: true, force: true });
    process.stderr.write(`\ninterrupted: no model written\n`);
    process.exit(130);
  });
}

process.exitCode = await runTrain(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onStaging: (dir) => {
    staging = dir;
  },
});
