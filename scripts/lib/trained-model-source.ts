import path from 'node:path';
import {
  ErrorCode,
  headWeightCount,
  MANIFEST_FILE,
  ModelError,
  type ModelManifest,
  manifestSchema,
} from '../../function/classifier';
import { sha256 } from './checksum-pins';
import { FetchError } from './fetch-error';
import { type ModelSource, safeRelative, shardPaths } from './model-source';

/** One file of a trained folder, at the same relative path in the copy as in the source. */
export interface TrainedFile {
  path: string;
  bytes: Buffer;
  /** Whether the source recorded this file's SHA-256 (and so it was checked against that record). */
  checksum: 'recorded in the source' | 'not recorded';
}

export interface TrainedModel {
  manifest: ModelManifest;
  files: TrainedFile[];
  /** The source's provenance.json (data, counts, base, evaluation summary), if it has one. */
  provenance: Record<string, unknown> | undefined;
}

/**
 * Whether a source's `lambdavision.json` describes a trained model: one with a `head` section. A manifest
 * that is not JSON is refused here, before anything else is read: the folder is damaged, whatever it is.
 */
export function isTrainedManifest(bytes: Buffer, where: string): boolean {
  return 'head' in parseJson(bytes, where);
}

interface FileRecord {
  path?: unknown;
  sha256?: unknown;
}

/** SHA-256 per path (relative to the folder the record describes) from a provenance `files` list. */
function recordedHashes(files: unknown, under: string): Map<string, string> {
  const hashes = new Map<string, string>();
  if (!Array.isArray(files)) return hashes;
  for (const file of files as FileRecord[]) {
    if (typeof file?.path !== 'string' || typeof file.sha256 !== 'string') continue;
    hashes.set(path.posix.join(under, safeRelative(file.path)), file.sha256);
  }
  return hashes;
}

function labelCount(bytes: Buffer, rel: string, where: string): number {
  const text = bytes.toString('utf8');
  if (!rel.toLowerCase().endsWith('.json')) return text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
  try {
    const labels: unknown = JSON.parse(text);
    if (Array.isArray(labels)) return labels.length;
  } catch {
    // Reported below with the other shapes that are not a list of names.
  }
  throw new ModelError(ErrorCode.MODEL_INVALID, `${where} is not a JSON array of label names`);
}

function parseJson(bytes: Buffer, where: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof json === 'object' && json !== null && !Array.isArray(json))
      return json as Record<string, unknown>;
  } catch (cause) {
    throw new ModelError(ErrorCode.MODEL_INVALID, `${where} is not valid JSON`, { cause });
  }
  throw new ModelError(ErrorCode.MODEL_INVALID, `${where} is not a JSON object`);
}

/**
 * Reads a folder `lambdavision train` wrote (or a copy fetch-model made of one) from any source, and
 * checks it is whole before anything is written: the manifest against the classifier's schema, the base
 * model with every weight shard its model.json names, the head weights at the size the manifest's head
 * needs, a label file with one name per head output, and every file whose SHA-256 the folder records (a
 * copy's `fetched.files`, the base's own provenance.json) against that record. The evaluation's numbers
 * come along; its HTML report does not, because it embeds thumbnails of the training images.
 */
export async function readTrainedModel(source: ModelSource, manifestBytes: Buffer): Promise<TrainedModel> {
  // The training wing names its files; loaded here only, so `classify` (which fetches models) never loads it.
  const { EVALUATION_FILES, PROVENANCE_FILE } = await import('../../training/index');
  const manifestWhere = source.locate(MANIFEST_FILE);
  const parsed = manifestSchema.safeParse(parseJson(manifestBytes, manifestWhere));
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ModelError(ErrorCode.MODEL_INVALID, `${manifestWhere} is not a valid manifest: ${why}`);
  }
  const manifest = parsed.data;
  const head = manifest.head;
  if (!head || !manifest.model || !manifest.labels) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `${manifestWhere} has a head but does not name its ${manifest.model ? 'label file' : 'base model'} ("model" and "labels"), as every folder \`lambdavision train\` writes does`,
    );
  }

  const files: TrainedFile[] = [];
  const required = async (rel: string, what: string): Promise<Buffer> => {
    const bytes = await source.read(rel);
    if (!bytes) {
      throw new ModelError(
        ErrorCode.MODEL_NOT_FOUND,
        `${what} ${source.locate(rel)} named in ${manifestWhere} does not exist`,
      );
    }
    return bytes;
  };

  const modelRel = safeRelative(manifest.model);
  const baseDir = path.posix.dirname(modelRel);
  if (!modelRel.endsWith('.json') && !modelRel.endsWith('.tflite')) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `the base model ${source.locate(modelRel)} is neither a TensorFlow.js model.json nor a .tflite file: fetch-model copies trained folders on those bases (copy a folder on a SavedModel base yourself)`,
    );
  }
  const model = await required(modelRel, 'base model');
  const taken: [string, Buffer][] = [[modelRel, model]];
  if (modelRel.endsWith('.json')) {
    for (const shard of shardPaths(model, source.locate(modelRel))) {
      const rel = safeRelative(path.posix.join(baseDir, shard));
      taken.push([rel, await required(rel, `weight shard (named in ${modelRel})`)]);
    }
  }

  const weightsRel = safeRelative(head.weights);
  const weights = await required(weightsRel, 'head weights');
  if (weights.length !== headWeightCount(head) * 4) {
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `head weights ${source.locate(weightsRel)} hold ${weights.length} bytes but the head in ${manifestWhere} needs ${headWeightCount(head) * 4}`,
    );
  }
  taken.push([weightsRel, weights]);

  const labelsRel = safeRelative(manifest.labels);
  const labels = await required(labelsRel, 'label file');
  const names = labelCount(labels, labelsRel, source.locate(labelsRel));
  if (names !== head.labels) {
    throw new ModelError(
      ErrorCode.LABELS_MISMATCH,
      `label file ${source.locate(labelsRel)} has ${names} names but the head in ${manifestWhere} answers ${head.labels} labels`,
    );
  }
  taken.push([labelsRel, labels]);

  // Records the folder keeps: the training provenance (and a copy's list of files), the base's own.
  const recorded = new Map<string, string>();
  let provenance: Record<string, unknown> | undefined;
  const provenanceBytes = await source.read(PROVENANCE_FILE);
  if (provenanceBytes) {
    provenance = parseJson(provenanceBytes, source.locate(PROVENANCE_FILE));
    const fetched = provenance.fetched as { files?: unknown } | undefined;
    for (const [rel, hash] of recordedHashes(fetched?.files, '.')) recorded.set(rel, hash);
  }
  const baseProvenanceRel = path.posix.join(baseDir, PROVENANCE_FILE);
  const baseProvenance = await source.read(baseProvenanceRel);
  if (baseProvenance) {
    const record = parseJson(baseProvenance, source.locate(baseProvenanceRel));
    for (const [rel, hash] of recordedHashes(record.files, baseDir)) {
      if (!recorded.has(rel)) recorded.set(rel, hash);
    }
    taken.push([baseProvenanceRel, baseProvenance]);
  }
  for (const name of [EVALUATION_FILES.json, EVALUATION_FILES.markdown]) {
    const bytes = await source.read(name);
    if (bytes) taken.push([name, bytes]);
  }

  for (const [rel, bytes] of taken) {
    const expected = recorded.get(rel);
    const actual = sha256(bytes);
    if (expected && expected !== actual) {
      throw new FetchError(
        `checksum mismatch for ${source.locate(rel)}: the folder records ${expected}, the file is ${actual}`,
      );
    }
    files.push({ path: rel, bytes, checksum: expected ? 'recorded in the source' : 'not recorded' });
  }
  return { manifest, files, provenance };
}
