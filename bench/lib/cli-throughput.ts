import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from './project';
import { median } from './stats';

export interface CliRun {
  wallMs: number;
  images: number;
  failed: number;
  /** From the first result line to the last, as the parent saw them: throughput without start-up. */
  firstToLastMs: number;
  /** The process's peak RSS (every thread's), from /proc; undefined where there is no /proc. */
  peakRssBytes?: number;
}

const IMAGE = /\.(jpe?g|png|bmp|gif|tiff?)$/i;

/** Image files under the folders, sorted, as the CLI would find them. */
export function imageFiles(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) visit(file);
      else if (IMAGE.test(name)) out.push(file);
    }
  };
  for (const dir of dirs) visit(dir);
  return out;
}

export const CLI_ENTRY = 'scripts/classify.ts';
export const cliExists = (): boolean => existsSync(projectPath(CLI_ENTRY));

/** VmHWM of a live process: its peak resident set so far, all threads included (Linux). */
function peakRss(pid: number | undefined): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Runs the classify CLI once over the folders or files (wasm backend, JSON lines, no progress bar) the way
 * a user does with `npm run classify`: through the tsx loader. `jobs` is passed as --jobs when given.
 */
export function runCli(paths: readonly string[], modelDir: string, jobs?: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const args = ['--import', 'tsx', projectPath(CLI_ENTRY), '--json', '--no-progress', '--backend', 'wasm'];
    if (jobs !== undefined) args.push('--jobs', String(jobs));
    const child = spawn(process.execPath, [...args, '--model', modelDir, ...paths], {
      cwd: projectPath(),
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    let stderr = '';
    let images = 0;
    let failed = 0;
    let first: number | undefined;
    let last = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (!line.startsWith('{')) continue;
        const now = performance.now();
        first ??= now;
        last = now;
        images++;
        if ('error' in (JSON.parse(line) as object)) failed++;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    // VmHWM only grows: the last reading before the process ends is its peak, near enough.
    let peakRssBytes: number | undefined;
    const poll = setInterval(() => {
      peakRssBytes = peakRss(child.pid) ?? peakRssBytes;
    }, 100);
    child.stdout.on('end', () => {
      peakRssBytes = peakRss(child.pid) ?? peakRssBytes;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const wallMs = performance.now() - start;
      if (images === 0) reject(new Error(`the CLI printed no result (exit code ${code}): ${stderr.trim()}`));
      else resolve({ wallMs, images, failed, firstToLastMs: last - (first ?? last), peakRssBytes });
    });
  });
}

/** `classify --jobs N` over one set of files: N, the runs, and their medians. */
export interface CliJobsRow {
  jobs: number;
  runs: CliRun[];
  /** Median over runs, start-up and model loads included. */
  imagesPerSecond: number;
  /** Median over runs, from the first result to the last. */
  steadyImagesPerSecond: number;
  peakRssBytes?: number;
}

export interface CliJobsResult {
  images: number;
  rows: CliJobsRow[];
}

/** The files cycled to `count` entries: the same photos several times, so each worker gets a share. */
export function repeatedTo(files: readonly string[], count: number): string[] {
  return files.length === 0 ? [] : Array.from({ length: count }, (_, i) => files[i % files.length] as string);
}

/**
 * Images per second of `classify --jobs N` for each N on the same files, `runs` times each, interleaved
 * (1, 2, 1, 2, ...) so a change in the machine's load falls on both.
 */
export async function measureCliJobs(
  files: readonly string[],
  modelDir: string,
  jobs: readonly number[],
  runs: number,
  log: (line: string) => void,
): Promise<CliJobsResult> {
  const samples = new Map<number, CliRun[]>(jobs.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) {
    for (const n of jobs) {
      const run = await runCli(files, modelDir, n);
      if (run.failed > 0) throw new Error(`--jobs ${n}: ${run.failed} of ${run.images} images failed`);
      log(
        `  --jobs ${n}, run ${i + 1}/${runs}: ${((run.images * 1000) / run.wallMs).toFixed(2)} images/s, peak RSS ${((run.peakRssBytes ?? Number.NaN) / 2 ** 20).toFixed(0)} MB`,
      );
      samples.get(n)?.push(run);
    }
  }
  return {
    images: files.length,
    rows: jobs.map((n) => {
      const done = samples.get(n) ?? [];
      const rss = done.map((r) => r.peakRssBytes).filter((b): b is number => b !== undefined);
      return {
        jobs: n,
        runs: done,
        imagesPerSecond: median(done.map((r) => (r.images * 1000) / r.wallMs)),
        steadyImagesPerSecond: median(done.map((r) => ((r.images - 1) * 1000) / r.firstToLastMs)),
        peakRssBytes: rss.length ? median(rss) : undefined,
      };
    }),
  };
}

/** The table the report and `npm run bench:jobs` print. */
export function cliJobsTable(result: CliJobsResult): string[] {
  const base = result.rows[0];
  const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 2 ** 20).toFixed(0));
  const lines = [
    '| --jobs | images/s, start-up included | images/s, first result to last | × --jobs ' +
      `${base?.jobs ?? 1} | peak RSS (MB) | runs |`,
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of result.rows) {
    const speedup = base ? row.imagesPerSecond / base.imagesPerSecond : Number.NaN;
    lines.push(
      `| ${row.jobs} | ${row.imagesPerSecond.toFixed(2)} | ${row.steadyImagesPerSecond.toFixed(2)} | ${speedup.toFixed(2)}× | ${mb(row.peakRssBytes)} | ${row.runs.length} |`,
    );
  }
  return lines;
}
