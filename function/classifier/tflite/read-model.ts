import * as flatbuffers from 'flatbuffers';
import { ErrorCode, ModelError } from '../errors';
import {
  BuiltinOperator,
  type Buffer as FbBuffer,
  Model,
  type Operator,
  type Tensor,
  TensorType,
} from './generated/tflite-schema';

/** Asymmetric linear quantization: real = scale * (q - zeroPoint), per tensor or per slice along `axis`. */
export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  axis: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: TensorType;
  quantization?: Quantization;
  /** The constant's bytes (weights, biases, shapes); absent for activations. */
  data?: Uint8Array;
}

export interface TfliteOperator {
  index: number;
  /** The builtin's name (`CONV_2D`), or `CUSTOM (name)`. */
  name: string;
  code: BuiltinOperator;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** The generated accessor, for the builtin options. */
  raw: Operator;
}

export interface TfliteGraph {
  file: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  /** Model.metadata by name (e.g. TFLITE_METADATA), each the bytes of its buffer. */
  metadata: Map<string, Uint8Array>;
  /** The whole file (metadata's associated files are a zip appended after the FlatBuffer). */
  bytes: Uint8Array;
}

export const TFLITE_IDENTIFIER = 'TFL3';

/** True when the bytes carry TensorFlow Lite's file identifier (bytes 4..7 of the FlatBuffer). */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && new TextDecoder().decode(bytes.subarray(4, 8)) === TFLITE_IDENTIFIER;
}

const BYTES_PER_ELEMENT: Partial<Record<TensorType, number>> = {
  [TensorType.FLOAT32]: 4,
  [TensorType.FLOAT16]: 2,
  [TensorType.INT32]: 4,
  [TensorType.UINT8]: 1,
  [TensorType.INT8]: 1,
  [TensorType.INT64]: 8,
  [TensorType.INT16]: 2,
  [TensorType.BOOL]: 1,
};

const invalid = (file: string, why: string, cause?: unknown): ModelError =>
  new ModelError(ErrorCode.MODEL_INVALID, `${file} is not a usable TensorFlow Lite model: ${why}`, { cause });

const intList = (length: number, at: (i: number) => number | null): number[] =>
  Array.from({ length }, (_, i) => at(i) ?? 0);

function bufferBytes(buffer: FbBuffer, bytes: Uint8Array): Uint8Array | undefined {
  // Files over 2 GB keep constants after the FlatBuffer, located by offset and size (offset > 1).
  const offset = Number(buffer.offset());
  if (offset > 1) {
    const size = Number(buffer.size());
    if (offset + size > bytes.length) throw new RangeError(`buffer at ${offset}+${size} past the end`);
    return bytes.subarray(offset, offset + size);
  }
  const data = buffer.dataArray();
  return data && data.length > 0 ? data : undefined;
}

function quantizationOf(tensor: Tensor): Quantization | undefined {
  const q = tensor.quantization();
  if (!q || q.scaleLength() === 0) return undefined;
  return {
    scale: intList(q.scaleLength(), (i) => q.scale(i)),
    zeroPoint: intList(q.zeroPointLength(), (i) => Number(q.zeroPoint(i) ?? 0)),
    axis: q.quantizedDimension(),
  };
}

function opName(code: BuiltinOperator, custom: string | null): string {
  if (code === BuiltinOperator.CUSTOM) return `CUSTOM (${custom ?? 'unnamed'})`;
  return BuiltinOperator[code] ?? `builtin operator #${code}`;
}

/**
 * Reads the main subgraph of a `.tflite` file with the accessors flatc generated from
 * schema/tflite.fbs, and checks what the FlatBuffer format itself cannot: that every index points at
 * something and every constant holds the bytes its shape needs. A truncated or damaged file fails here,
 * naming the file. The graph's constants view `input` (unless it had to be copied to align it): the caller
 * must not change it afterwards.
 */
export function readTfliteModel(input: Uint8Array, file: string): TfliteGraph {
  if (!isTflite(input)) {
    throw invalid(
      file,
      `it does not start with a FlatBuffer marked "${TFLITE_IDENTIFIER}" (truncated, or another format)`,
    );
  }
  // The accessors read float vectors through typed arrays, which need aligned offsets. A file read whole
  // starts its own buffer, so it is used in place; a copy of a 3.5 MB model costs about 15 ms of page
  // faults at a cold start.
  const bytes = input.byteOffset % 8 === 0 ? input : new Uint8Array(input);
  try {
    const model = Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes));
    if (model.subgraphsLength() < 1) throw invalid(file, 'it has no subgraph');
    const graph = model.subgraphs(0);
    if (!graph) throw invalid(file, 'its main subgraph cannot be read');

    const buffers: (Uint8Array | undefined)[] = [];
    for (let i = 0; i < model.buffersLength(); i++) {
      const buffer = model.buffers(i);
      buffers.push(buffer ? bufferBytes(buffer, bytes) : undefined);
    }

    const tensors: TfliteTensor[] = [];
    for (let i = 0; i < graph.tensorsLength(); i++) {
      const t = graph.tensors(i);
      if (!t) throw invalid(file, `tensor ${i} cannot be read`);
      const shape = intList(t.shapeLength(), (k) => t.shape(k));
      const bufferIndex = t.buffer();
      if (bufferIndex >= Math.max(buffers.length, 1)) {
        throw invalid(file, `tensor ${i} names buffer ${bufferIndex} of ${buffers.length}`);
      }
      const data = buffers[bufferIndex];
      const tensor: TfliteTensor = {
        index: i,
        name: t.name() ?? `tensor ${i}`,
        shape,
        type: t.type(),
        quantization: quantizationOf(t),
        data,
      };
      if (data) {
        const width = BYTES_PER_ELEMENT[tensor.type];
        const expected = shape.reduce((a, b) => a * b, 1) * (width ?? 0);
        if (width !== undefined && data.length !== expected) {
          throw invalid(
            file,
            `constant "${tensor.name}" holds ${data.length} bytes, its shape [${shape}] needs ${expected}`,
          );
        }
      }
      tensors.push(tensor);
    }

    const checkIndex = (index: number, where: string, optional = false): void => {
      if ((optional && index === -1) || (index >= 0 && index < tensors.length)) return;
      throw invalid(file, `${where} refers to tensor ${index}, but the subgraph has ${tensors.length}`);
    };

    const operators: TfliteOperator[] = [];
    for (let i = 0; i < graph.operatorsLength(); i++) {
      const op = graph.operators(i);
      if (!op) throw invalid(file, `operator ${i} cannot be read`);
      const opcode = model.operatorCodes(op.opcodeIndex());
      if (!opcode)
        throw invalid(file, `operator ${i} names operator code ${op.opcodeIndex()}, which is absent`);
      // Codes below 127 were once stored only in the byte-wide deprecated field.
      const code = Math.max(opcode.builtinCode(), opcode.deprecatedBuiltinCode()) as BuiltinOperator;
      const name = opName(code, opcode.customCode());
      const inputs = intList(op.inputsLength(), (k) => op.inputs(k));
      const outputs = intList(op.outputsLength(), (k) => op.outputs(k));
      for (const index of inputs) checkIndex(index, `${name} (operator ${i})`, true);
      for (const index of outputs) checkIndex(index, `${name} (operator ${i})`);
      operators.push({ index: i, name, code, inputs, outputs, raw: op });
    }

    const inputs = intList(graph.inputsLength(), (k) => graph.inputs(k));
    const outputs = intList(graph.outputsLength(), (k) => graph.outputs(k));
    for (const index of [...inputs, ...outputs]) checkIndex(index, 'the subgraph signature');
    if (inputs.length !== 1)
      throw invalid(file, `it has ${inputs.length} inputs; an image classifier has one`);
    if (outputs.length < 1) throw invalid(file, 'it has no output');

    const metadata = new Map<string, Uint8Array>();
    for (let i = 0; i < model.metadataLength(); i++) {
      const entry = model.metadata(i);
      const data = entry ? buffers[entry.buffer()] : undefined;
      if (entry?.name() && data) metadata.set(entry.name() as string, data);
    }
    return { file, tensors, operators, inputs, outputs, metadata, bytes };
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    throw invalid(file, `the FlatBuffer is truncated or corrupt (${(cause as Error).message})`, cause);
  }
}
