import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { functionBuildOptions } from '../../scripts/lib/bundle-options';
import { projectPath } from './project';
import { median } from './stats';

export interface StartupVariant {
  name: string;
  sourcemap: boolean;
  /** The map embeds the sources' text (the deployed map does not: file and line need only the mappings). */
  sourcesContent: boolean;
  minify: boolean;
  /** Node runs with --enable-source-maps (the deployed function does not: it maps its stacks itself). */
  enableSourceMaps: boolean;
  bundleBytes: number;
  mapBytes: number;
  /** Median ms to evaluate the bundle (what Lambda's INIT phase runs before the model finishes loading). */
  initMs: number;
  /** Whether a stack trace thrown from the classifier names a TypeScript source file. */
  readableStack: boolean;
}

const VARIANTS = [
  {
    name: 'as deployed: unminified, source map without sources, read at the first stack trace',
    sourcemap: true,
    sourcesContent: false,
    minify: false,
    enableSourceMaps: false,
  },
  {
    name: 'the same with --enable-source-maps (Node parses the map at init)',
    sourcemap: true,
    sourcesContent: false,
    minify: false,
    enableSourceMaps: true,
  },
  {
    name: 'unminified, source map with sources, --enable-source-maps',
    sourcemap: true,
    sourcesContent: true,
    minify: false,
    enableSourceMaps: true,
  },
  {
    name: 'unminified, no source map',
    sourcemap: false,
    sourcesContent: false,
    minify: false,
    enableSourceMaps: false,
  },
  {
    name: 'minified, source map without sources, read at the first stack trace',
    sourcemap: true,
    sourcesContent: false,
    minify: true,
    enableSourceMaps: false,
  },
  {
    name: 'minified, no source map',
    sourcemap: false,
    sourcesContent: false,
    minify: true,
    enableSourceMaps: false,
  },
] as const;

// Evaluates the bundle as Lambda's INIT does (its model load starts and runs on after), then throws an
// error from inside the classifier's code to see what a stack trace says.
const PROBE = `
const t0 = performance.now();
const m = require(process.argv[1]);
const initMs = performance.now() - t0;
const done = (stack) =>
  process.stdout.write(JSON.stringify({ initMs, ts: /\\.ts:\\d+/.test(String(stack)) }) + '\\n', () => process.exit(0));
Promise.resolve()
  .then(() => m.handler({ not: 'an event' }, { awsRequestId: 'probe', getRemainingTimeInMillis: () => 5000 }))
  .then((answer) => done(new Error('no error: ' + JSON.stringify(answer)).stack), (e) => done(e && e.stack));
`;

/** Evaluates one built bundle once in a fresh Node process: its init time and whether its stack is readable. */
function probe(file: string, enableSourceMaps: boolean, modelDir: string, name: string) {
  const run = spawnSync(
    process.execPath,
    [...(enableSourceMaps ? ['--enable-source-maps'] : []), '-e', PROBE, file],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        NODE_PATH: projectPath('node_modules'),
        MODEL_DIR: modelDir,
        LOG_LEVEL: 'SILENT',
      },
      timeout: 60_000,
    },
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the ${name} bundle did not start: ${run.stderr.slice(-300)}`);
  return JSON.parse(line) as { initMs: number; ts: boolean };
}

/**
 * What a source map, the sources' text in it and an unminified bundle add to the function's init: each
 * variant of the bundle is built, then all are evaluated in turn, `runs` rounds, each time in a fresh Node
 * process (layer packages from NODE_PATH), so that a change in the machine's load falls on all of them.
 */
export async function measureStartupVariants(
  outDir: string,
  modelDir: string,
  runs: number,
): Promise<StartupVariant[]> {
  const built = [];
  for (const [i, v] of VARIANTS.entries()) {
    const dir = path.join(outDir, `startup-${i}`);
    const options = functionBuildOptions(projectPath(), dir);
    await build({ ...options, sourcemap: v.sourcemap, sourcesContent: v.sourcesContent, minify: v.minify });
    built.push({ variant: v, file: path.join(dir, 'entry.js'), times: [] as number[], readableStack: false });
  }
  for (let r = 0; r < runs; r++) {
    for (const b of built) {
      const parsed = probe(b.file, b.variant.enableSourceMaps, modelDir, b.variant.name);
      b.times.push(parsed.initMs);
      b.readableStack = parsed.ts;
    }
  }
  return built.map(({ variant, file, times, readableStack }) => ({
    ...variant,
    bundleBytes: statSync(file).size,
    mapBytes: variant.sourcemap ? statSync(`${file}.map`).size : 0,
    initMs: median(times),
    readableStack,
  }));
}
