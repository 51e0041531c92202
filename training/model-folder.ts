import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../function/classifier/index';
import { TrainingError } from './errors';

/** Refuses an existing output folder unless the user said --force. */
export function checkOutput(out: string, force: boolean): void {
  if (existsSync(out) && !force) {
    throw new TrainingError(
      ErrorCode.OUTPUT_EXISTS,
      `${out} already exists: choose another --out or pass --force to replace it`,
    );
  }
}

const PARTIAL = '.partial-';

/**
 * A model folder written beside its final place and renamed into it at the end, so an interrupted run
 * never leaves a half-written model where a loader would find it. `discard()` (also safe after commit)
 * removes the temporary folder; leftovers of killed runs are removed by the next run for the same folder.
 */
export async function stagingFolder(
  out: string,
): Promise<{ dir: string; commit(): Promise<void>; discard(): Promise<void> }> {
  const parent = path.dirname(path.resolve(out));
  const base = path.basename(out);
  await mkdir(parent, { recursive: true });
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(`.${base}${PARTIAL}`))
      await rm(path.join(parent, entry), { recursive: true, force: true });
  }
  const dir = path.join(parent, `.${base}${PARTIAL}${process.pid}-${Date.now()}`);
  await mkdir(dir);
  return {
    dir,
    async commit() {
      const old = path.join(parent, `.${base}${PARTIAL}replaced-${process.pid}`);
      const replacing = existsSync(out);
      if (replacing) await rename(out, old);
      await rename(dir, out);
      if (replacing) await rm(old, { recursive: true, force: true });
    },
    discard: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Copies the base model's files (the folder holding model.json, or the SavedModel folder) under `dest`. */
export async function copyBase(modelPath: string, format: string, dest: string): Promise<string> {
  await mkdir(dest, { recursive: true });
  if (format === 'saved-model') {
    await cp(modelPath, dest, { recursive: true });
    return '.';
  }
  const from = path.dirname(modelPath);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isFile()) await cp(path.join(from, entry.name), path.join(dest, entry.name));
  }
  return path.basename(modelPath);
}
