import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, ModelError } from './errors';
import { MANIFEST_FILE, type ModelManifest, manifestSchema } from './manifest';
import { detectModel, FORMAT_ENTRIES, type ModelFormat } from './model-formats';
import { readJson } from './tfjs-files';

export { fileSystemHandler } from './tfjs-files';
export type { ModelFormat };

export interface LocatedModel {
  /** The folder the user named (the file's folder for a single model file). */
  dir: string;
  /** The model file (`model.json`, `*.tflite`), or the SavedModel folder. */
  path: string;
  format: ModelFormat;
  manifest: ModelManifest;
  /** Folder the manifest was read from (relative paths in it are resolved against it). */
  manifestDir: string;
  /** Folders searched for a label file by convention (none for a single model file). */
  labelDirs: string[];
  /** The name the model goes by when neither the manifest nor the file names it: folder or file stem. */
  defaultName: string;
}

async function readManifest(dirs: string[]): Promise<{ manifest: ModelManifest; manifestDir: string }> {
  for (const dir of dirs) {
    const file = path.join(dir, MANIFEST_FILE);
    if (!existsSync(file)) continue;
    const parsed = manifestSchema.safeParse(await readJson(file));
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new ModelError(ErrorCode.MODEL_INVALID, `${file} is not a valid manifest: ${why}`);
    }
    return { manifest: parsed.data, manifestDir: dir };
  }
  return { manifest: {}, manifestDir: dirs[0] ?? '.' };
}

/**
 * Finds the model a path names. A single model file (a `.tflite`) stands alone: no manifest, labels from
 * its own metadata. A folder: the manifest's `model` entry, else each format's conventions in the order
 * of MODEL_FORMATS (model.json in the folder or its `tfjs/` subfolder, a SavedModel, a `.tflite` in the
 * folder or its `tflite/` subfolder).
 */
export async function locateModel(dir: string): Promise<LocatedModel> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (info?.isFile()) {
    const found = await detectModel(root);
    if (!found) {
      throw new ModelError(
        ErrorCode.MODEL_INVALID,
        `${root} is not a model file this classifier reads (a .tflite)`,
      );
    }
    const dir = path.dirname(root);
    const defaultName = path.basename(root, path.extname(root));
    return { dir, ...found, manifest: {}, manifestDir: dir, labelDirs: [], defaultName };
  }
  if (!info?.isDirectory()) {
    throw new ModelError(
      ErrorCode.MODEL_NOT_FOUND,
      `model directory ${root} does not exist (expected a folder with model.json, a .tflite file or saved_model.pb)`,
    );
  }
  const tfjsDir = path.join(root, 'tfjs');
  const { manifest, manifestDir } = await readManifest([root, tfjsDir]);

  const candidates = manifest.model
    ? [path.resolve(manifestDir, manifest.model)]
    : [...new Set(FORMAT_ENTRIES.flatMap(([, entry]) => entry.conventions(root)))];
  for (const candidate of candidates) {
    const found = await detectModel(candidate);
    if (found) {
      const labelDirs = [...new Set([root, path.dirname(found.path), manifestDir])];
      return { dir: root, ...found, manifest, manifestDir, labelDirs, defaultName: path.basename(root) };
    }
  }
  const kinds = [...new Set(FORMAT_ENTRIES.map(([, entry]) => entry.looksLike))].join(', ');
  throw new ModelError(
    ErrorCode.MODEL_NOT_FOUND,
    `no model in ${root}: looked for ${candidates.map((c) => path.relative(root, c) || '.').join(', ')} (${kinds})`,
  );
}
