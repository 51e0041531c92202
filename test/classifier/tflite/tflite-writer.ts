import { zipSync } from 'fflate';
import * as flatbuffers from 'flatbuffers';
import {
  AssociatedFile,
  AssociatedFileType,
  ModelMetadata,
  NormalizationOptions,
  ProcessUnit,
  ProcessUnitOptions,
  SubGraphMetadata,
  TensorMetadata,
} from '../../../function/classifier/tflite/generated/metadata-schema';
import {
  type BuiltinOperator,
  BuiltinOptions,
  Buffer as FbBuffer,
  Metadata,
  Model,
  Operator,
  OperatorCode,
  QuantizationDetails,
  QuantizationParameters,
  SubGraph,
  Tensor,
  TensorType,
} from '../../../function/classifier/tflite/generated/tflite-schema';

/**
 * Writes small `.tflite` files with the FlatBuffers builder and the flatc-generated builder API, so the
 * importer is tested on files written the way TensorFlow Lite's converter writes them (the same schema),
 * without the shared models.
 */
export interface TensorSpec {
  shape: number[];
  type?: TensorType;
  name?: string;
  /** Constant bytes, little-endian, in `type`. */
  data?: Uint8Array;
  quantization?: { scale: number[]; zeroPoint: number[]; axis?: number };
}

export interface OpSpec {
  op: BuiltinOperator;
  inputs: number[];
  outputs: number[];
  /** Builds the options table; returns its union type and offset. */
  options?: (b: flatbuffers.Builder) => [BuiltinOptions, flatbuffers.Offset];
  /** For CUSTOM operators. */
  customCode?: string;
}

export interface GraphSpec {
  tensors: TensorSpec[];
  ops: OpSpec[];
  inputs: number[];
  outputs: number[];
  /** Named metadata buffers (TFLITE_METADATA). */
  metadata?: Record<string, Uint8Array>;
}

export function writeTflite(spec: GraphSpec): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  // Buffer 0 is the empty sentinel; constants get one buffer each.
  const bufferData: (Uint8Array | undefined)[] = [undefined];
  const tensorBuffer = spec.tensors.map((t) => {
    if (!t.data) return 0;
    bufferData.push(t.data);
    return bufferData.length - 1;
  });
  const metadataEntries = Object.entries(spec.metadata ?? {}).map(([name, data]) => {
    bufferData.push(data);
    return { name, buffer: bufferData.length - 1 };
  });

  const buffers = bufferData.map((data) => {
    if (!data) {
      FbBuffer.startBuffer(b);
      return FbBuffer.endBuffer(b);
    }
    b.startVector(1, data.length, 16);
    for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i] as number);
    const vector = b.endVector();
    FbBuffer.startBuffer(b);
    FbBuffer.addData(b, vector);
    return FbBuffer.endBuffer(b);
  });

  const tensors = spec.tensors.map((t, i) => {
    const name = b.createString(t.name ?? `t${i}`);
    const shape = Tensor.createShapeVector(b, t.shape);
    let quantization = 0;
    if (t.quantization) {
      const scale = QuantizationParameters.createScaleVector(b, t.quantization.scale);
      const zero = QuantizationParameters.createZeroPointVector(b, t.quantization.zeroPoint.map(BigInt));
      quantization = QuantizationParameters.createQuantizationParameters(
        b,
        0,
        0,
        scale,
        zero,
        QuantizationDetails.NONE,
        0,
        t.quantization.axis ?? 0,
      );
    }
    Tensor.startTensor(b);
    Tensor.addShape(b, shape);
    Tensor.addType(b, t.type ?? TensorType.FLOAT32);
    Tensor.addBuffer(b, tensorBuffer[i] as number);
    Tensor.addName(b, name);
    if (quantization) Tensor.addQuantization(b, quantization);
    return Tensor.endTensor(b);
  });

  const codes: { op: BuiltinOperator; custom?: string }[] = [];
  const codeIndex = (op: OpSpec): number => {
    const at = codes.findIndex((c) => c.op === op.op && c.custom === op.customCode);
    if (at >= 0) return at;
    codes.push({ op: op.op, custom: op.customCode });
    return codes.length - 1;
  };
  const operators = spec.ops.map((op) => {
    const index = codeIndex(op);
    const inputs = Operator.createInputsVector(b, op.inputs);
    const outputs = Operator.createOutputsVector(b, op.outputs);
    const [type, options] = op.options ? op.options(b) : [BuiltinOptions.NONE, 0];
    Operator.startOperator(b);
    Operator.addOpcodeIndex(b, index);
    Operator.addInputs(b, inputs);
    Operator.addOutputs(b, outputs);
    if (options) {
      Operator.addBuiltinOptionsType(b, type);
      Operator.addBuiltinOptions(b, options);
    }
    return Operator.endOperator(b);
  });
  const operatorCodes = codes.map((c) =>
    OperatorCode.createOperatorCode(b, Math.min(c.op, 127), c.custom ? b.createString(c.custom) : 0, 1, c.op),
  );

  const subgraph = SubGraph.createSubGraph(
    b,
    SubGraph.createTensorsVector(b, tensors),
    SubGraph.createInputsVector(b, spec.inputs),
    SubGraph.createOutputsVector(b, spec.outputs),
    SubGraph.createOperatorsVector(b, operators),
    b.createString('main'),
  );
  const metadata = metadataEntries.map((m) => Metadata.createMetadata(b, b.createString(m.name), m.buffer));
  const model = Model.createModel(
    b,
    3,
    Model.createOperatorCodesVector(b, operatorCodes),
    Model.createSubgraphsVector(b, [subgraph]),
    b.createString('written by the LambdaVision tests'),
    Model.createBuffersVector(b, buffers),
    0,
    metadata.length ? Model.createMetadataVector(b, metadata) : 0,
  );
  Model.finishModelBuffer(b, model);
  return b.asUint8Array().slice();
}

export const float32Bytes = (values: ArrayLike<number>): Uint8Array =>
  new Uint8Array(Float32Array.from(values).buffer);

export const int32Bytes = (values: ArrayLike<number>): Uint8Array =>
  new Uint8Array(Int32Array.from(values).buffer);

/** IEEE half precision, round to nearest (values used here are small and normal). */
export function float16Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i] as number;
    const x = u32[0] as number;
    const sign = (x >>> 16) & 0x8000;
    const exponent = ((x >>> 23) & 0xff) - 127 + 15;
    const mantissa = x & 0x7fffff;
    if (exponent <= 0) out[i] = sign;
    else out[i] = sign | (exponent << 10) | Math.round(mantissa / 0x2000);
  }
  return new Uint8Array(out.buffer);
}

/**
 * Quantizes float values to int8/uint8, per tensor or per channel along `axis`; returns the bytes, the
 * parameters and the dequantized values a reference computation should use.
 */
export function quantize(
  values: ArrayLike<number>,
  shape: number[],
  type: TensorType.INT8 | TensorType.UINT8,
  axis?: number,
): {
  data: Uint8Array;
  quantization: { scale: number[]; zeroPoint: number[]; axis: number };
  dequantized: Float32Array;
} {
  const channels = axis === undefined ? 1 : (shape[axis] as number);
  const inner = axis === undefined ? values.length : shape.slice(axis + 1).reduce((a, c) => a * c, 1);
  const channelOf = (i: number): number => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const [qmin, qmax] = type === TensorType.INT8 ? [-128, 127] : [0, 255];
  const scale: number[] = [];
  const zeroPoint: number[] = [];
  for (let c = 0; c < channels; c++) {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < values.length; i++) {
      if (channelOf(i) !== c) continue;
      lo = Math.min(lo, values[i] as number);
      hi = Math.max(hi, values[i] as number);
    }
    const s = (hi - lo) / (qmax - qmin) || 1;
    scale.push(s);
    // Per-channel int8 weights are symmetric in TFLite (zero point 0); per-tensor uint8 are asymmetric.
    zeroPoint.push(axis === undefined ? Math.round(qmin - lo / s) : 0);
  }
  if (axis !== undefined) {
    for (let c = 0; c < channels; c++) {
      let m = 0;
      for (let i = 0; i < values.length; i++)
        if (channelOf(i) === c) m = Math.max(m, Math.abs(values[i] as number));
      scale[c] = m / qmax || 1;
    }
  }
  const q = new Int32Array(values.length);
  const dequantized = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    const s = scale[c] as number;
    const z = zeroPoint[c] as number;
    q[i] = Math.max(qmin, Math.min(qmax, Math.round((values[i] as number) / s + z)));
    dequantized[i] = s * ((q[i] as number) - z);
  }
  const data = type === TensorType.INT8 ? new Uint8Array(Int8Array.from(q).buffer) : Uint8Array.from(q);
  return { data, quantization: { scale, zeroPoint, axis: axis ?? 0 }, dequantized };
}

/** A TFLITE_METADATA buffer with input normalisation and an output label file, and the zip to append. */
export function metadataWithLabels(options: {
  mean: number[];
  std: number[];
  labelFile: string;
  labels: string[];
}): { metadata: Uint8Array; zip: Uint8Array } {
  const b = new flatbuffers.Builder(256);
  const normalization = NormalizationOptions.createNormalizationOptions(
    b,
    NormalizationOptions.createMeanVector(b, options.mean),
    NormalizationOptions.createStdVector(b, options.std),
  );
  const unit = ProcessUnit.createProcessUnit(b, ProcessUnitOptions.NormalizationOptions, normalization);
  const inputName = b.createString('image');
  const units = TensorMetadata.createProcessUnitsVector(b, [unit]);
  TensorMetadata.startTensorMetadata(b);
  TensorMetadata.addName(b, inputName);
  TensorMetadata.addProcessUnits(b, units);
  const input = TensorMetadata.endTensorMetadata(b);
  const file = AssociatedFile.createAssociatedFile(
    b,
    b.createString(options.labelFile),
    b.createString('labels'),
    AssociatedFileType.TENSOR_AXIS_LABELS,
    0,
  );
  const outputName = b.createString('probability');
  const files = TensorMetadata.createAssociatedFilesVector(b, [file]);
  TensorMetadata.startTensorMetadata(b);
  TensorMetadata.addName(b, outputName);
  TensorMetadata.addAssociatedFiles(b, files);
  const output = TensorMetadata.endTensorMetadata(b);
  const subgraph = SubGraphMetadata.createSubGraphMetadata(
    b,
    b.createString('main'),
    0,
    SubGraphMetadata.createInputTensorMetadataVector(b, [input]),
    SubGraphMetadata.createOutputTensorMetadataVector(b, [output]),
    0,
  );
  const name = b.createString('tiny metadata classifier');
  const subgraphs = ModelMetadata.createSubgraphMetadataVector(b, [subgraph]);
  ModelMetadata.startModelMetadata(b);
  ModelMetadata.addName(b, name);
  ModelMetadata.addSubgraphMetadata(b, subgraphs);
  ModelMetadata.finishModelMetadataBuffer(b, ModelMetadata.endModelMetadata(b));
  const zip = zipSync({ [options.labelFile]: new TextEncoder().encode(`${options.labels.join('\n')}\n`) });
  return { metadata: b.asUint8Array().slice(), zip };
}
