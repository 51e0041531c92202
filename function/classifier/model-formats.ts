import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { nativeModule } from './backend';
import { ErrorCode, ModelError } from './errors';
import type { LocatedModel } from './model-files';
import { asScores, firstTensor, type Predictor } from './predictor';
import { tfjsFormat } from './tfjs-files';
import { loadTflitePredictor } from './tflite/load-tflite';
import { isTflite } from './tflite/read-model';

/**
 * One model format: where it sits in a model folder by convention, how to recognise it, how to load it.
 * `detect` answers the model's path when `candidate` (a file, or a folder) holds this format.
 */
export interface ModelFormatEntry {
  /** For messages: what the user would look for. */
  looksLike: string;
  /** Candidate paths in a model folder, in order, tried when the manifest names no model. */
  conventions(root: string): string[];
  detect(candidate: string): Promise<string | undefined>;
  load(model: LocatedModel): Promise<Predictor>;
}

const isFile = async (p: string): Promise<boolean> =>
  (await stat(p).catch(() => undefined))?.isFile() ?? false;

async function startsWithTflite(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = new Uint8Array(8);
    await handle.read(head, 0, 8, 0);
    return isTflite(head);
  } finally {
    await handle.close();
  }
}

/** A `.tflite` file, or the one `.tflite` file of a folder (several: the manifest must choose). */
async function detectTflite(candidate: string): Promise<string | undefined> {
  if (await isFile(candidate)) {
    return candidate.endsWith('.tflite') || (await startsWithTflite(candidate)) ? candidate : undefined;
  }
  const names = (await readdir(candidate).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.tflite'))
    .sort();
  if (names.length > 1) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `${candidate} holds several TensorFlow Lite models (${names.join(', ')}): name one with "model" in lambdavision.json`,
    );
  }
  return names[0] === undefined ? undefined : path.join(candidate, names[0]);
}

async function detectTfjs(
  candidate: string,
  format: 'layers-model' | 'graph-model',
): Promise<string | undefined> {
  if (!candidate.endsWith('.json') || !existsSync(candidate)) return undefined;
  return (await tfjsFormat(candidate)) === format ? candidate : undefined;
}

const tfjsConventions = (root: string): string[] => [
  path.join(root, 'model.json'),
  path.join(root, 'tfjs', 'model.json'),
];

/**
 * The model formats the core reads, in the order a folder is searched. A new format is one entry here:
 * its conventions, its detection and its loader.
 */
export const MODEL_FORMATS = {
  'layers-model': {
    looksLike: 'model.json',
    conventions: tfjsConventions,
    detect: (candidate) => detectTfjs(candidate, 'layers-model'),
    // tfjs-layers and tfjs-converter are imported by the formats that use them, when a model of theirs
    // loads: a TFLite model (the default) evaluates neither, which keeps them out of its cold start.
    load: async (model) => (await import('./layers-model')).loadLayersPredictor(model),
  },
  'graph-model': {
    looksLike: 'model.json',
    conventions: tfjsConventions,
    detect: (candidate) => detectTfjs(candidate, 'graph-model'),
    load: async (model) => (await import('./graph-model')).loadGraphPredictor(model),
  },
  'saved-model': {
    looksLike: 'saved_model.pb',
    conventions: (root) => [root],
    async detect(candidate) {
      const dir = candidate.endsWith('saved_model.pb') ? path.dirname(candidate) : candidate;
      return existsSync(path.join(dir, 'saved_model.pb')) ? dir : undefined;
    },
    async load(model) {
      const native = nativeModule();
      if (!native) {
        throw new ModelError(
          ErrorCode.MODEL_INVALID,
          `${model.path} is a TensorFlow SavedModel, which only the "tensorflow" backend (tfjs-node) can run; convert it with tensorflowjs_converter to use wasm or cpu`,
        );
      }
      const saved = await native.node.loadSavedModel(
        model.path,
        model.manifest.tags,
        model.manifest.signature,
      );
      return {
        predict: (input) => asScores(firstTensor(saved.predict(input))),
        dispose: () => saved.dispose(),
      };
    },
  },
  tflite: {
    looksLike: '*.tflite',
    conventions: (root) => [root, path.join(root, 'tflite')],
    detect: detectTflite,
    load: (model) => loadTflitePredictor(model.path),
  },
} as const satisfies Record<string, ModelFormatEntry>;

export type ModelFormat = keyof typeof MODEL_FORMATS;

export const FORMAT_ENTRIES = Object.entries(MODEL_FORMATS) as [ModelFormat, ModelFormatEntry][];

/** The format and path of the model at `candidate`, if any format recognises it. */
export async function detectModel(
  candidate: string,
): Promise<{ format: ModelFormat; path: string } | undefined> {
  for (const [format, entry] of FORMAT_ENTRIES) {
    const found = await entry.detect(candidate);
    if (found) return { format, path: found };
  }
  return undefined;
}

/** Loads a located model with its format's loader; anything unexpected becomes MODEL_INVALID naming the file. */
export async function loadPredictor(model: LocatedModel): Promise<Predictor> {
  try {
    return await MODEL_FORMATS[model.format].load(model);
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `cannot load the model at ${model.path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
