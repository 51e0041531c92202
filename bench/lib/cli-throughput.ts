import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from './project';

export interface CliRun {
  wallMs: number;
  images: number;
  failed: number;
  /** From the first result line to the last, as the parent saw them: throughput without start-up. */
  firstToLastMs: number;
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

/**
 * Runs the classify CLI once over the folders (wasm backend, JSON lines, no progress bar) the way a user
 * does with `npm run classify`: through the tsx loader.
 */
export function runCli(dirs: readonly string[], modelDir: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const args = ['--import', 'tsx', projectPath(CLI_ENTRY), '--json', '--no-progress', '--backend', 'wasm'];
    const child = spawn(process.execPath, [...args, '--model', modelDir, ...dirs], {
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
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - start;
      if (images === 0) reject(new Error(`the CLI printed no result (exit code ${code}): ${stderr.trim()}`));
      else resolve({ wallMs, images, failed, firstToLastMs: last - (first ?? last) });
    });
  });
}
