import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, ModelError } from './errors';
import { tf } from './tfjs-core';

/** Reads a JSON file; a missing file is MODEL_NOT_FOUND, bad JSON MODEL_INVALID, both naming the file. */
export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ModelError(ErrorCode.MODEL_NOT_FOUND, `cannot read ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ModelError(ErrorCode.MODEL_INVALID, `${file} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Whether a model.json holds a layers or a graph model. */
export async function tfjsFormat(file: string): Promise<'layers-model' | 'graph-model'> {
  const json = (await readJson(file)) as { format?: unknown; modelTopology?: Record<string, unknown> };
  if (json.format === 'graph-model') return 'graph-model';
  if (json.format === 'layers-model') return 'layers-model';
  // Files from early converters carry no `format`: a graph has `node`, a Keras model `model_config`.
  const topology = json.modelTopology;
  if (topology && 'node' in topology) return 'graph-model';
  if (topology && ('model_config' in topology || 'class_name' in topology)) return 'layers-model';
  throw new ModelError(ErrorCode.MODEL_INVALID, `${file} is neither a TensorFlow.js layers nor graph model`);
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Bytes a weight takes on disk: quantized weights are stored in their quantization dtype. */
function storedBytes(spec: tf.io.WeightsManifestEntry): number {
  const elements = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) {
    throw new ModelError(ErrorCode.MODEL_INVALID, `weight ${spec.name} has unsupported dtype ${dtype}`);
  }
  return elements * bytes;
}

/**
 * A filesystem IOHandler for `model.json` + weight shards, reading nothing from the network. It checks
 * every shard exists and that the shards hold exactly the bytes the weight specs need, so a truncated
 * download fails here with the shard's name rather than deep inside TensorFlow.js.
 */
export function fileSystemHandler(modelJsonPath: string): tf.io.IOHandler {
  const dir = path.dirname(modelJsonPath);
  return {
    load: async () => {
      const json = (await readJson(modelJsonPath)) as tf.io.ModelJSON;
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new ModelError(
          ErrorCode.MODEL_INVALID,
          `${modelJsonPath} lacks modelTopology or weightsManifest: not a TensorFlow.js model`,
        );
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: Buffer[] = [];
        for (const group of manifest) {
          const groupBuffers: Buffer[] = [];
          for (const shard of group.paths) {
            const file = path.join(dir, shard);
            try {
              groupBuffers.push(await readFile(file));
            } catch (cause) {
              throw new ModelError(
                ErrorCode.MODEL_NOT_FOUND,
                `weight shard ${file} named in ${modelJsonPath} cannot be read: ${(cause as Error).message}`,
                { cause },
              );
            }
          }
          const expected = group.weights.reduce((sum, w) => sum + storedBytes(w), 0);
          const actual = groupBuffers.reduce((sum, b) => sum + b.length, 0);
          if (actual !== expected) {
            throw new ModelError(
              ErrorCode.MODEL_INVALID,
              `weight shards ${group.paths.map((p) => path.join(dir, p)).join(', ')} hold ${actual} bytes but ${modelJsonPath} needs ${expected}: a shard is truncated or from another model`,
            );
          }
          specs.push(...group.weights);
          buffers.push(...groupBuffers);
        }
        const all = Buffer.concat(buffers);
        return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
      });
    },
  };
}
