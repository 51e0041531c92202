import os from 'node:os';
import path from 'node:path';
import { defineCommand, runCommand } from '../scripts/cli/command';
import { wholeNumber } from '../scripts/cli/option-values';
import { cliJobsTable, imageFiles, measureCliJobs, repeatedTo } from './lib/cli-throughput';

/**
 * `npm run bench:jobs`: images/s of `classify --jobs 1` and `--jobs 2` on the same real photos, alone (the
 * full `lambdavision bench` measures it too, in its CLI throughput section). Prints a Markdown table.
 */
const command = defineCommand({
  name: 'bench:jobs',
  description: `Runs the classify command (wasm backend, JSON lines) over the sample photos and labelled images cycled to
--images files, with --jobs 1 (one model, in the main thread) and --jobs 2 (plus a worker thread with its own model),
interleaved, --runs times each; prints the medians and each run's peak RSS as a Markdown table.`,
  options: {
    model: {
      type: 'string',
      value: 'dir',
      description: 'model folder',
      defaultText: '$LAMBDAVISION_SHARED/models/mobilenet_v2_1.0_224_quant',
    },
    images: {
      type: 'string',
      value: 'n',
      description: 'files per run',
      default: 40,
      parse: wholeNumber(2, 1000),
    },
    runs: {
      type: 'string',
      value: 'n',
      description: 'runs per --jobs value',
      default: 3,
      parse: wholeNumber(1, 20),
    },
    jobs: {
      type: 'string',
      value: 'n',
      description: 'the largest --jobs measured (1 up to it)',
      default: 2,
      parse: wholeNumber(2, 16),
    },
  },
  async run({ values }, io) {
    const shared = io.env.LAMBDAVISION_SHARED?.trim();
    const modelDir = values.model ?? (shared && path.join(shared, 'models', 'mobilenet_v2_1.0_224_quant'));
    if (!modelDir || !shared) {
      io.stderr.write('set LAMBDAVISION_SHARED to the folder with models/ and images/\n');
      return 2;
    }
    const files = imageFiles([path.join(shared, 'images'), path.join(shared, 'models', 'test-images')]);
    const set = repeatedTo(files, values.images);
    const jobs = Array.from({ length: values.jobs }, (_, i) => i + 1);
    io.stderr.write(
      `classify --jobs ${jobs.join('/')} over ${set.length} files (${files.length} photos cycled), ${values.runs} run(s) each, on ${os.availableParallelism()} cores\n`,
    );
    const result = await measureCliJobs(set, modelDir, jobs, values.runs, (line) =>
      io.stderr.write(`${line}\n`),
    );
    io.stdout.write(`${cliJobsTable(result).join('\n')}\n`);
    return 0;
  },
});

process.exitCode = await runCommand(command, process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
