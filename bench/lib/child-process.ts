import { spawn } from 'node:child_process';
import { ERROR_PREFIX, RESULT_PREFIX } from './child-protocol';
import type { Job } from './jobs/job-types';
import type { WorkerBundle } from './worker-bundle';

export interface ChildRun<T> {
  result: T;
  /** Spawn to result line, as the parent saw it. */
  wallMs: number;
}

export class ChildFailedError extends Error {
  /** The child's own error line, when it printed one. */
  readonly detail: string;
  constructor(message: string, detail: string) {
    super(message);
    this.name = 'ChildFailedError';
    this.detail = detail;
  }
}

/**
 * Runs one job in a fresh node process and returns its result line, parsed. With `cgroupProcs` (a cgroup's
 * process list file), a shell first moves itself into that cgroup and then becomes node, so the whole
 * process runs under the group's CPU quota from its first instruction.
 */
export function runJob<T>(
  worker: WorkerBundle,
  job: Job,
  timeoutMs = 300_000,
  cgroupProcs?: string,
): Promise<ChildRun<T>> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const node = [process.execPath, worker.file, JSON.stringify(job)];
    const [command, ...args] = cgroupProcs
      ? ['sh', '-c', 'echo $$ > "$0" && exec "$@"', cgroupProcs, ...node]
      : node;
    const child = spawn(command as string, args, {
      env: { ...process.env, NODE_PATH: worker.nodePath, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let result: ChildRun<T> | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const at = stdout.indexOf(RESULT_PREFIX);
      const end = at >= 0 ? stdout.indexOf('\n', at) : -1;
      if (!result && end >= 0) {
        const wallMs = performance.now() - start;
        result = { result: JSON.parse(stdout.slice(at + RESULT_PREFIX.length, end)) as T, wallMs };
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        const reported = stderr
          .split('\n')
          .find((l) => l.startsWith(ERROR_PREFIX))
          ?.slice(ERROR_PREFIX.length);
        const detail = reported ?? stderr.trim().split('\n').slice(-3).join(' | ');
        reject(new ChildFailedError(`${job.kind} job failed (${why}): ${detail}`, detail));
      }
    });
  });
}
