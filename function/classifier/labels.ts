import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
// A static import, so the Lambda bundle carries the table (30 KB) instead of requiring it at run time.
import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';
import { ErrorCode, ModelError } from './errors';

/** Files tried, in order, in the model folder and beside model.json when the manifest names none. */
export const LABEL_FILES: readonly string[] = [
  'labels.json',
  'labels.txt',
  'imagenet_labels_1001.json',
  'imagenet_classes_1000.json',
  // TensorFlow Lite's and Coral's name for the 1001 ImageNet labels, background first.
  'imagenet_labels.txt',
  'metadata.json',
];

export interface LabelSource {
  labels: readonly string[];
  /** Where the labels came from, for messages and the result JSON. */
  source: string;
}

async function readLabelFile(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  if (!file.endsWith('.json')) {
    return text.split(/\r?\n/).filter((line, i, lines) => line.length > 0 || i < lines.length - 1);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ModelError(ErrorCode.MODEL_INVALID, `label file ${file} is not valid JSON`, { cause });
  }
  // tfjs-models' metadata.json keeps the names under `labels`.
  const list = Array.isArray(json) ? json : (json as { labels?: unknown })?.labels;
  if (!Array.isArray(list) || !list.every((l) => typeof l === 'string')) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `label file ${file} must hold a JSON array of strings (or {"labels": [...]})`,
    );
  }
  return list;
}

/** The 1000 ImageNet class names published with @tensorflow-models/mobilenet, for models that ship none. */
function imagenetClasses(): string[] {
  return Array.from({ length: 1000 }, (_, i) => IMAGENET_CLASSES[i] ?? `class ${i}`);
}

/**
 * Reads the label list for a model with `outputs` scores, of which the first `background` are not
 * classes. A list may name every output or only the classes; any other length is an error that names
 * the file, since a shifted list silently mislabels every answer.
 */
export async function loadLabels(options: {
  explicit?: string;
  /** Labels the model file carries (TFLite metadata): after the manifest's, before files found by name. */
  embedded?: LabelSource;
  searchDirs: string[];
  outputs: number;
  background: number;
}): Promise<LabelSource> {
  const { explicit, embedded, searchDirs, outputs, background } = options;
  const classes = outputs - background;
  let file: string | undefined = explicit;
  if (explicit && !existsSync(explicit)) {
    throw new ModelError(
      ErrorCode.MODEL_NOT_FOUND,
      `label file ${explicit} named in the manifest does not exist`,
    );
  }
  if (!file && !embedded) {
    file = searchDirs.flatMap((dir) => LABEL_FILES.map((name) => path.join(dir, name))).find(existsSync);
  }
  let labels: string[];
  if (!explicit && embedded) {
    labels = [...embedded.labels];
    file = embedded.source;
  } else if (file) {
    labels = await readLabelFile(file);
  } else if (classes === 1000) {
    return { labels: imagenetClasses(), source: '@tensorflow-models/mobilenet ImageNet classes' };
  } else {
    return { labels: Array.from({ length: classes }, (_, i) => `class ${i}`), source: 'generated' };
  }
  if (labels.length === outputs) return { labels: labels.slice(background), source: file };
  if (labels.length === classes) return { labels, source: file };
  throw new ModelError(
    ErrorCode.LABELS_MISMATCH,
    `label file ${file} has ${labels.length} names but the model has ${outputs} outputs` +
      (background ? ` (${background} background + ${classes} classes)` : ''),
  );
}
