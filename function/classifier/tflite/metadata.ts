import { unzipSync } from 'fflate';
import * as flatbuffers from 'flatbuffers';
import {
  type AssociatedFile,
  AssociatedFileType,
  ModelMetadata,
  NormalizationOptions,
  ProcessUnitOptions,
  type TensorMetadata,
} from './generated/metadata-schema';
import type { TfliteGraph } from './read-model';

/** The name Model.metadata gives the TFLite Metadata buffer. */
export const METADATA_NAME = 'TFLITE_METADATA';

export interface TfliteMetadata {
  name?: string;
  /** Input normalisation in pixel units: (x - mean) / std per channel, x in 0..255. */
  normalization?: { mean: [number, number, number]; std: [number, number, number] };
  /** The output's TENSOR_AXIS_LABELS file, read from the zip appended to the model. */
  labels?: { names: string[]; source: string };
}

const triple = (values: number[]): [number, number, number] | undefined => {
  if (values.length === 1) return [values[0] as number, values[0] as number, values[0] as number];
  if (values.length === 3) return values as [number, number, number];
  return undefined;
};

function normalizationOf(tensor: TensorMetadata | null): TfliteMetadata['normalization'] {
  for (let i = 0; tensor && i < tensor.processUnitsLength(); i++) {
    const unit = tensor.processUnits(i);
    if (unit?.optionsType() !== ProcessUnitOptions.NormalizationOptions) continue;
    const options = unit.options(new NormalizationOptions()) as NormalizationOptions | null;
    if (!options) continue;
    const mean = triple(Array.from({ length: options.meanLength() }, (_, k) => options.mean(k) ?? 0));
    const std = triple(Array.from({ length: options.stdLength() }, (_, k) => options.std(k) ?? 1));
    if (mean && std?.every((s) => s > 0)) return { mean, std };
  }
  return undefined;
}

function labelFileOf(tensor: TensorMetadata | null): string | undefined {
  const files: AssociatedFile[] = [];
  for (let i = 0; tensor && i < tensor.associatedFilesLength(); i++) {
    const file = tensor.associatedFiles(i);
    if (file) files.push(file);
  }
  // Several label files differ by locale; the first is the default (as the schema says).
  return files.find((f) => f.type() === AssociatedFileType.TENSOR_AXIS_LABELS)?.name() ?? undefined;
}

/**
 * Where the appended zip starts. TFLite's metadata writer appends the zip with Python's zipfile, whose
 * offsets may count from the start of the zip or of the whole file; fflate reads only the former, so the
 * start is worked out from the end-of-central-directory record (as zipfile itself does), which fflate
 * does not expose.
 */
function zipStart(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The record is 22 bytes plus a comment of at most 65535.
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) !== 0x06054b50) continue;
    const size = view.getUint32(at + 12, true);
    const offset = view.getUint32(at + 16, true);
    const start = at - size - offset;
    if (start >= 0 && view.getUint32(at - size, true) === 0x02014b50) return start;
  }
  return undefined;
}

function readAssociatedFile(graph: TfliteGraph, name: string): Uint8Array | undefined {
  const start = zipStart(graph.bytes);
  if (start === undefined) return undefined;
  const files = unzipSync(graph.bytes.subarray(start), { filter: (f) => f.name === name });
  return files[name];
}

/**
 * The facts a model's TFLite Metadata gives a classifier: input normalisation and output labels. A model
 * without metadata gives none; metadata that cannot be read is an error naming the file, since labels
 * that silently go missing mislabel every answer.
 */
export function readTfliteMetadata(graph: TfliteGraph): TfliteMetadata {
  const buffer = graph.metadata.get(METADATA_NAME);
  if (!buffer) return {};
  try {
    const metadata = ModelMetadata.getRootAsModelMetadata(new flatbuffers.ByteBuffer(new Uint8Array(buffer)));
    const subgraph = metadata.subgraphMetadataLength() > 0 ? metadata.subgraphMetadata(0) : null;
    const input =
      subgraph && subgraph.inputTensorMetadataLength() > 0 ? subgraph.inputTensorMetadata(0) : null;
    const output =
      subgraph && subgraph.outputTensorMetadataLength() > 0 ? subgraph.outputTensorMetadata(0) : null;
    const facts: TfliteMetadata = {
      name: metadata.name() ?? undefined,
      normalization: normalizationOf(input),
    };
    const labelFile = labelFileOf(output);
    if (labelFile) {
      const bytes = readAssociatedFile(graph, labelFile);
      if (!bytes) throw new Error(`its label file ${labelFile} is not in the zip appended to the model`);
      const names = new TextDecoder()
        .decode(bytes)
        .split(/\r?\n/)
        .filter((line, i, lines) => line.length > 0 || i < lines.length - 1);
      facts.labels = { names, source: `${graph.file} (metadata: ${labelFile})` };
    }
    return facts;
  } catch (cause) {
    throw new Error(`the TFLite Metadata of ${graph.file} cannot be read: ${(cause as Error).message}`, {
      cause,
    });
  }
}
