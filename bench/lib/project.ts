import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** The repository root (this file is bench/lib/project.ts). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const projectPath = (...parts: string[]): string => path.join(PROJECT_ROOT, ...parts);

/** Packages the Lambda gets from layers, as agreed for the function bundle (used when the shared options are absent). */
export const LAYER_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
] as const;

const FALLBACK_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  sourcemap: true,
  minify: false,
  external: [...LAYER_PACKAGES],
};

export interface LambdaBundleOptions {
  options: BuildOptions;
  /** The exact build of the function into `outdir`, when the shared file provides it. */
  functionBuild?: (outdir: string) => BuildOptions;
  /** Where they came from: the shared file, or this bench's copy of the agreed values. */
  source: string;
}

interface BundleOptionsModule {
  BUNDLE_OPTIONS?: BuildOptions;
  functionBuildOptions?: (projectRoot: string, outdir: string) => BuildOptions;
}

/**
 * The function bundle's esbuild options from their single source of truth, scripts/lib/bundle-options.ts,
 * when it exists; else the values agreed for it, so the bench still runs on a tree without it.
 */
export async function lambdaBundleOptions(): Promise<LambdaBundleOptions> {
  const file = projectPath('scripts', 'lib', 'bundle-options.ts');
  if (existsSync(file)) {
    const mod = (await import(pathToFileURL(file).href)) as BundleOptionsModule;
    if (mod.BUNDLE_OPTIONS) {
      const make = mod.functionBuildOptions;
      return {
        options: mod.BUNDLE_OPTIONS,
        functionBuild: make && ((outdir) => make(PROJECT_ROOT, outdir)),
        source: 'scripts/lib/bundle-options.ts',
      };
    }
  }
  return {
    options: FALLBACK_BUNDLE_OPTIONS,
    source: 'the agreed values (scripts/lib/bundle-options.ts absent)',
  };
}
