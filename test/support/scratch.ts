import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Folders made by `scratchDir` in this process; the root hook removes them at the end of the run. Kept on
 * globalThis: mocha loads the root hooks with require() and the test files with import, so this module
 * can exist twice in one process, and both copies must fill the same set.
 */
const KEY = Symbol.for('lambdavision.test.scratch-dirs');
const shared = globalThis as { [KEY]?: Set<string> };
shared[KEY] ??= new Set<string>();
export const SCRATCH_DIRS: Set<string> = shared[KEY];

/**
 * A fresh temporary folder for a test, removed with every other one when the run ends (root-hooks.ts), so
 * tests need no clean-up of their own. Anything else left in the temporary folder fails the run.
 */
export function scratchDir(prefix = 'lambdavision-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  SCRATCH_DIRS.add(dir);
  return dir;
}
