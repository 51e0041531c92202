import { runChild } from './child-entry';
import type { Job, JobResult } from './jobs/job-types';

/**
 * Entry of the child processes the bench spawns (built into one CommonJS file with esbuild, run with plain
 * node like the Lambda bundle). Each job module is imported on demand, so a cold-start child loads only
 * what a cold start needs. Cold starts run from bundles of their own (buildColdStartWorkers
 * in worker-bundle.ts).
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

runChild(run);
