import { TensorType } from './generated/tflite-schema';
import type { TfliteTensor } from './read-model';

/** IEEE 754 half precision to single: TF.js has no public decoder for a bare float16 array. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function rawValues(tensor: TfliteTensor, data: Uint8Array): Float32Array | Int32Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  switch (tensor.type) {
    case TensorType.FLOAT32:
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
    case TensorType.FLOAT16:
      return Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
    case TensorType.INT32:
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
    case TensorType.INT64:
      return Int32Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    case TensorType.UINT8:
      return Int32Array.from(data.subarray(0, count));
    case TensorType.INT8:
      return Int32Array.from(new Int8Array(data.buffer, data.byteOffset, count));
    case TensorType.INT16:
      return Int32Array.from({ length: count }, (_, i) => view.getInt16(i * 2, true));
    default:
      throw new Error(
        `constant "${tensor.name}" has type ${TensorType[tensor.type] ?? tensor.type}, which is not supported`,
      );
  }
}

/**
 * A constant's values in float, dequantized once at load (real = scale * (q - zeroPoint), per tensor or
 * per channel along the quantized dimension). Integer constants without quantization (shapes, axes,
 * paddings) stay integers.
 */
export function constantValues(tensor: TfliteTensor): Float32Array | Int32Array {
  if (!tensor.data) throw new Error(`tensor "${tensor.name}" is not a constant`);
  const raw = rawValues(tensor, tensor.data);
  const q = tensor.quantization;
  if (!q || raw instanceof Float32Array) return raw;
  const channels = q.scale.length;
  if (channels === 1) {
    const scale = q.scale[0] ?? 1;
    const zero = q.zeroPoint[0] ?? 0;
    return Float32Array.from(raw, (v) => scale * (v - zero));
  }
  const dims = tensor.shape;
  if (dims[q.axis] !== channels) {
    throw new Error(
      `constant "${tensor.name}" has ${channels} scales for dimension ${q.axis} of shape [${dims}]`,
    );
  }
  // Elements of one channel repeat every `inner` values along the quantized dimension.
  const inner = dims.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  return Float32Array.from(raw, (v, i) => {
    const c = Math.floor(i / inner) % channels;
    return (q.scale[c] ?? 1) * (v - (q.zeroPoint[c] ?? 0));
  });
}

/** The float range a quantized input tensor accepts: its integer range dequantized. */
export function quantizedRange(tensor: TfliteTensor): [number, number] | undefined {
  const q = tensor.quantization;
  if (q?.scale.length !== 1) return undefined;
  const scale = q.scale[0] ?? 0;
  const zero = q.zeroPoint[0] ?? 0;
  const bounds: Partial<Record<TensorType, [number, number]>> = {
    [TensorType.UINT8]: [0, 255],
    [TensorType.INT8]: [-128, 127],
  };
  const range = bounds[tensor.type];
  if (!range || !(scale > 0)) return undefined;
  return [scale * (range[0] - zero), scale * (range[1] - zero)];
}
