import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import {
  BUNDLE_OPTIONS,
  JIMP_CODECS_ENTRY,
  JIMP_CODECS_OUTPUT,
  separateJimpCodecs,
} from '../../scripts/lib/bundle-options';
import { projectPath } from './project';

export interface WorkerBundle {
  file: string;
  /** NODE_PATH for the child: external packages resolve from there, as from /opt/nodejs/node_modules on Lambda. */
  nodePath: string;
}

/**
 * What every child bundle is built with: like the Lambda bundle (CommonJS, layer packages external), so
 * children start as a deployed function does, plain node without a TypeScript loader. sharp and
 * onnxruntime-node are native and stay external too. jimp's codecs are required from the file beside the
 * bundle, as in the function (buildJimpCodecs).
 */
function childOptions(outfile: string): BuildOptions {
  return {
    outfile,
    plugins: [separateJimpCodecs],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: false,
    minify: false,
    external: [...BUNDLE_OPTIONS.external, 'sharp', 'onnxruntime-node'],
    // The codecs' import() becomes a require(), as in the function.
    supported: BUNDLE_OPTIONS.supported,
    logLevel: 'error',
  };
}

/** jimp's codecs beside the child bundles in `outDir`, as the function's build writes them beside entry.js. */
async function buildJimpCodecs(outDir: string): Promise<void> {
  const { plugins: _, ...options } = childOptions(path.join(outDir, JIMP_CODECS_OUTPUT));
  await build({ ...options, entryPoints: [projectPath(JIMP_CODECS_ENTRY)] });
}

/** The shared worker: every job, each job module imported on demand (worker-main.ts). */
export async function buildWorker(outDir: string): Promise<WorkerBundle> {
  const file = path.join(outDir, 'bench-worker.cjs');
  await buildJimpCodecs(outDir);
  await build({ ...childOptions(file), entryPoints: [projectPath('bench', 'lib', 'worker-main.ts')] });
  return { file, nodePath: projectPath('node_modules') };
}

/** The cold-start entry of each engine: which function of jobs/cold-start.ts its bundle runs. */
const COLD_START_ENTRIES = { tfjs: 'coldStartTfjs', onnx: 'coldStartOnnx', peer: 'coldStartPeer' } as const;
export type ColdStartBundles = Record<keyof typeof COLD_START_ENTRIES, WorkerBundle>;

/**
 * One bundle per engine for cold starts, built like the shared worker, each holding only its own pipeline:
 * reading and compiling a bundle is part of a cold start, and in the shared worker (4.9 MB, every engine
 * and every job) it took about 0.25 s of each engine's start here, the peer's included.
 */
export async function buildColdStartWorkers(outDir: string): Promise<ColdStartBundles> {
  const entries = Object.entries(COLD_START_ENTRIES) as Array<[keyof ColdStartBundles, string]>;
  await buildJimpCodecs(outDir);
  const built = await Promise.all(
    entries.map(async ([engine, run]) => {
      const file = path.join(outDir, `cold-start-${engine}.cjs`);
      await build({
        ...childOptions(file),
        stdin: {
          contents: `import { runChild } from './child-entry';\nimport { ${run} } from './jobs/cold-start';\nrunChild(${run});\n`,
          resolveDir: projectPath('bench', 'lib'),
          sourcefile: `cold-start-${engine}.ts`,
          loader: 'ts',
        },
      });
      return [engine, { file, nodePath: projectPath('node_modules') }] as const;
    }),
  );
  return Object.fromEntries(built) as ColdStartBundles;
}
