import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './lib/project-root';

/**
 * Regenerates the FlatBuffers accessors the TensorFlow Lite importer reads models with, from the schema
 * subsets in function/classifier/tflite/schema/, with `flatc` (Debian's flatbuffers-compiler):
 *
 *   npm run generate:tflite
 *
 * The output is committed; test/classifier/tflite/generated-code.test.ts checks it is up to date.
 */
export const SCHEMA_DIR = path.join(PROJECT_ROOT, 'function', 'classifier', 'tflite', 'schema');
export const GENERATED_DIR = path.join(PROJECT_ROOT, 'function', 'classifier', 'tflite', 'generated');
/** schema file → generated file (flatc names its output `<schema>_generated.ts`). */
export const GENERATED_FILES: Readonly<Record<string, string>> = {
  'tflite.fbs': 'tflite-schema.ts',
  'metadata.fbs': 'metadata-schema.ts',
};

export function flatcVersion(): string | undefined {
  try {
    return execFileSync('flatc', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Runs flatc into `outDir` (default: the committed folder). */
export async function generateTfliteSchema(outDir: string = GENERATED_DIR): Promise<string[]> {
  const work = await mkdtemp(path.join(tmpdir(), 'lambdavision-flatc-'));
  try {
    const schemas = Object.keys(GENERATED_FILES).map((name) => path.join(SCHEMA_DIR, name));
    // --ts-flat-files: one self-contained module per schema instead of a file per table.
    execFileSync('flatc', ['--ts', '--ts-flat-files', '-o', work, ...schemas], { stdio: 'inherit' });
    await mkdir(outDir, { recursive: true });
    const written: string[] = [];
    for (const [schema, target] of Object.entries(GENERATED_FILES)) {
      const from = path.join(work, `${path.basename(schema, '.fbs')}_generated.ts`);
      await copyFile(from, path.join(outDir, target));
      written.push(path.join(outDir, target));
    }
    return written;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!flatcVersion()) {
    console.error('flatc not found: install flatbuffers-compiler (apt) to regenerate');
    process.exitCode = 1;
  } else {
    for (const file of await generateTfliteSchema())
      console.error(`wrote ${path.relative(PROJECT_ROOT, file)}`);
  }
}
