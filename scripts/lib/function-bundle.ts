import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import {
  FUNCTION_FILES,
  FUNCTION_OUTPUT,
  functionBuildOptions,
  jimpCodecsBuildOptions,
} from './bundle-options';

import { PROJECT_ROOT } from './project-root';

export { PROJECT_ROOT };
export const DEFAULT_BUNDLE_DIR = path.join(PROJECT_ROOT, 'dist', 'function');

export interface BuiltBundle {
  dir: string;
  file: string;
  bytes: number;
  mapBytes: number;
  /** Every file of the artifact (FUNCTION_FILES) with its size. */
  files: Array<{ name: string; bytes: number }>;
  ms: number;
  /** Bytes of bundled input per top-level package (or `function/` for our sources), largest first. */
  inputs: Array<{ name: string; bytes: number }>;
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? input.split('/')[0] ?? input;
}

/** Builds the Lambda bundle the SAM template deploys: `<dir>/entry.js`, jimp's codecs and their source maps. */
export async function buildFunctionBundle(dir = DEFAULT_BUNDLE_DIR): Promise<BuiltBundle> {
  const start = performance.now();
  const [result] = await Promise.all([
    build(functionBuildOptions(PROJECT_ROOT, dir)),
    build(jimpCodecsBuildOptions(PROJECT_ROOT, dir)),
  ]);
  const ms = performance.now() - start;
  const file = path.join(dir, FUNCTION_OUTPUT);
  const totals = new Map<string, number>();
  for (const [input, info] of Object.entries(
    result.metafile?.outputs[path.relative(PROJECT_ROOT, file)]?.inputs ?? {},
  )) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + info.bytesInOutput);
  }
  const files = await Promise.all(
    FUNCTION_FILES.map(async (name) => ({ name, bytes: (await stat(path.join(dir, name))).size })),
  );
  return {
    dir,
    file,
    bytes: (await stat(file)).size,
    mapBytes: (await stat(`${file}.map`)).size,
    files,
    ms,
    inputs: [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}
