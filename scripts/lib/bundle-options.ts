import path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { TEMPLATE_DEFAULT_MEMORY_MB } from './memory-for-pixels';

/**
 * The Lambda bundle's esbuild options, used by `npm run build` and by `sam build` (the project's Makefile,
 * target build-ClassifierFunction, calls scripts/lib/function-bundle.ts).
 */

/** Relative to the project root. */
export const FUNCTION_ENTRY = 'function/lambda/entry.ts';

/**
 * esbuild names the output after the entry (as `sam build` does); Lambda loads `entry.js` and calls its
 * `handler` export: Handler `entry.handler`.
 */
export const FUNCTION_OUTPUT = 'entry.js';
export const FUNCTION_HANDLER = 'entry.handler';

/**
 * jimp's codecs, built into a file of their own beside entry.js and required on the first image jimp
 * decodes (function/classifier/jimp-codecs.ts says why).
 */
export const JIMP_CODECS_ENTRY = 'function/classifier/jimp-codecs.ts';
// .cjs: CommonJS whatever package.json is beside it.
export const JIMP_CODECS_OUTPUT = 'jimp-codecs.cjs';

/** Every file of the function's artifact: what `sam build` puts in the task folder. */
export const FUNCTION_FILES = [FUNCTION_OUTPUT, `${FUNCTION_OUTPUT}.map`, JIMP_CODECS_OUTPUT] as const;

/**
 * Keeps decode-jimp.ts's `import('./jimp-codecs')` a require of the file built beside the bundle. esbuild
 * cannot split a CommonJS bundle: without this, the codecs would be parsed at every start.
 */
export const separateJimpCodecs: Plugin = {
  name: 'separate-jimp-codecs',
  setup(build) {
    build.onResolve({ filter: /^\.\/jimp-codecs$/ }, (args) =>
      args.importer.endsWith(`${path.sep}decode-jimp.ts`)
        ? { path: `./${JIMP_CODECS_OUTPUT}`, external: true }
        : undefined,
    );
  },
};

/** The memory the local runs report: template.yaml's MemorySize default. */
export const SANDBOX_MEMORY_MB = TEMPLATE_DEFAULT_MEMORY_MB;

/**
 * Provided at run time by a layer under /opt/nodejs/node_modules, never bundled: one tfjs-core instance
 * shared by the backends, and the native tfjs-node only where the native layer is attached.
 */
export const LAYER_PROVIDED = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
] as const;

/** Lambda's runtime for the function (nodejs24.x); esbuild's target must follow it. */
export const LAMBDA_RUNTIME = 'nodejs24.x';

export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  // CommonJS: Lambda's NODE_PATH (where layers live) is only searched by require().
  format: 'cjs',
  // Stack traces point at the TypeScript sources: the bundle reads this map at its first stack trace
  // (function/lambda/stack-traces.ts).
  sourcemap: true,
  // File and line need only the mappings; the sources' text would only make the map bigger to read.
  sourcesContent: false,
  minify: false,
  // import() of a file outside the bundle (jimp's codecs) becomes require(), as for the layer packages.
  supported: { 'dynamic-import': false },
  external: [...LAYER_PROVIDED],
} as const satisfies BuildOptions;

/** Full options to build the function's entry into `outdir` (entry.js and entry.js.map). */
export function functionBuildOptions(projectRoot: string, outdir: string): BuildOptions {
  return {
    ...BUNDLE_OPTIONS,
    external: [...BUNDLE_OPTIONS.external],
    absWorkingDir: projectRoot,
    entryPoints: [FUNCTION_ENTRY],
    outfile: path.join(outdir, FUNCTION_OUTPUT),
    plugins: [separateJimpCodecs],
    metafile: true,
    logLevel: 'warning',
    // module-require.ts only reaches import.meta where `require` is missing, never in this CJS bundle.
    logOverride: { 'empty-import-meta': 'silent' },
  };
}

/**
 * Full options to build jimp's codecs beside the entry (jimp-codecs.cjs). Without a map: its code is the
 * codecs' own, and the stack-trace mapper reads entry.js's map only.
 */
export function jimpCodecsBuildOptions(projectRoot: string, outdir: string): BuildOptions {
  return {
    ...BUNDLE_OPTIONS,
    sourcemap: false,
    external: [...BUNDLE_OPTIONS.external],
    absWorkingDir: projectRoot,
    entryPoints: [JIMP_CODECS_ENTRY],
    outfile: path.join(outdir, JIMP_CODECS_OUTPUT),
    logLevel: 'warning',
  };
}
