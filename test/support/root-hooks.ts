import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../function/classifier';
import { SCRATCH_DIRS } from './scratch';

/**
 * The run's temporary files all go under one folder of its own: set here, before any test file loads,
 * through the variables os.tmpdir() reads (TMPDIR on Linux and macOS, TEMP/TMP on Windows), so this
 * process, its worker threads and the processes it starts all write there and nothing else on the machine
 * is counted. At the end the tests' own scratch folders are removed (scratch.ts) and anything else left
 * there fails the run, naming what was left: code under test must clean up after itself.
 */
const RUN_TMP = mkdtempSync(path.join(tmpdir(), 'lambdavision-run-'));
for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = RUN_TMP;

/** Caches tools keep in the temporary folder on purpose (tsx's compile cache, Node's), not leftovers. */
const TOOL_CACHES = /^(tsx-\d+|tsx|node-compile-cache)$/;

export const mochaHooks = {
  /** Every test runs on the wasm backend, as the Lambda's lean variant does (tfjs-node cannot be installed here). */
  async beforeAll(): Promise<void> {
    await selectBackend('wasm');
  },

  afterAll(): void {
    for (const dir of SCRATCH_DIRS) rmSync(dir, { recursive: true, force: true });
    const left = readdirSync(RUN_TMP).filter((name) => !TOOL_CACHES.test(name));
    rmSync(RUN_TMP, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(
        `the tests left ${left.length} item(s) in the temporary folder: ${left.sort().join(', ')}`,
      );
    }
  },
};
