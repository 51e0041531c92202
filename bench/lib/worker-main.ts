import { ERROR_PREFIX, RESULT_PREFIX } from './child-protocol';
import type { Job, JobResult } from './jobs/job-types';

/**
 * Entry of the child processes the bench spawns (built into one CommonJS file with esbuild, run with plain
 * node like the Lambda bundle). Each job module is imported on demand, so a cold-start child loads only
 * what a cold start needs. The only place in a child that exits.
 */
async function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'cold-start':
      return (await import('./jobs/cold-start')).runColdStart(job);
    case 'warm':
      return (await import('./jobs/warm-latency')).runWarm(job);
    case 'profile':
      return (await import('./jobs/profile')).runProfile(job);
    case 'agreement':
      return (await import('./jobs/agreement')).runAgreement(job);
    case 'wasm-threads':
      return (await import('./jobs/wasm-threads')).runWasmThreads(job);
    case 'core-throughput':
      return (await import('./jobs/core-throughput')).runCoreThroughput(job);
    case 'tflite-vs-tfjs':
      return (await import('./jobs/tflite-vs-tfjs')).runTfliteVsTfjs(job);
  }
}

run(JSON.parse(process.argv[2] ?? '{}') as Job).then(
  (result) => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0)),
  (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(
      `${error instanceof Error ? error.stack : text}\n${ERROR_PREFIX}${text.split('\n')[0]}\n`,
    );
    process.exit(1);
  },
);
