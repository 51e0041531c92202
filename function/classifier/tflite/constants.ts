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

/** Little-endian typed array over a copy of the bytes (the copy also fixes alignment). */
function copyAs<T>(data: Uint8Array, make: (buffer: ArrayBuffer) => T): T {
  return make(data.slice().buffer);
}

type Raw = Float32Array | Int32Array | Uint8Array | Int8Array | Int16Array;

function rawValues(tensor: TfliteTensor, data: Uint8Array): Raw {
  const count = valueCount(tensor);
  switch (tensor.type) {
    case TensorType.FLOAT32:
      return copyAs(data.subarray(0, count * 4), (b) => new Float32Array(b));
    case TensorType.FLOAT16: {
      const halves = copyAs(data.subarray(0, count * 2), (b) => new Uint16Array(b));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(halves[i] as number);
      return out;
    }
    case TensorType.INT32:
      return copyAs(data.subarray(0, count * 4), (b) => new Int32Array(b));
    case TensorType.INT64: {
      const longs = copyAs(data.subarray(0, count * 8), (b) => new BigInt64Array(b));
      return Int32Array.from(longs, (v) => Number(v));
    }
    case TensorType.UINT8:
      return data.subarray(0, count);
    case TensorType.INT8:
      return new Int8Array(data.buffer, data.byteOffset, count);
    case TensorType.INT16:
      return copyAs(data.subarray(0, count * 2), (b) => new Int16Array(b));
    default:
      throw new Error(
        `constant "${tensor.name}" has type ${TensorType[tensor.type] ?? tensor.type}, which is not supported`,
      );
  }
}

/** How many values a constant holds. */
export const valueCount = (tensor: TfliteTensor): number => tensor.shape.reduce((a, b) => a * b, 1);

/**
 * A constant's values in float, dequantized once at load (real = scale * (q - zeroPoint), per tensor or
 * per channel along the quantized dimension). Integer constants without quantization (shapes, axes,
 * paddings) stay integers. Floats are written to `into` when given (its first `valueCount` elements:
 * the caller owns the array and may reuse it), else to a new array.
 */
export function constantValues(tensor: TfliteTensor, into?: Float32Array): Float32Array | Int32Array {
  if (!tensor.data) throw new Error(`tensor "${tensor.name}" is not a constant`);
  const raw = rawValues(tensor, tensor.data);
  const q = tensor.quantization;
  const floats = (n: number) => into?.subarray(0, n) ?? new Float32Array(n);
  if (raw instanceof Float32Array) {
    if (!into) return raw;
    const out = floats(raw.length);
    out.set(raw);
    return out;
  }
  if (!q) return raw instanceof Int32Array ? raw : Int32Array.from(raw);
  const channels = q.scale.length;
  const out = floats(raw.length);
  if (channels === 1) {
    const scale = q.scale[0] ?? 1;
    const zero = q.zeroPoint[0] ?? 0;
    for (let i = 0; i < raw.length; i++) out[i] = scale * ((raw[i] as number) - zero);
    return out;
  }
  const dims = tensor.shape;
  if (dims[q.axis] !== channels) {
    throw new Error(
      `constant "${tensor.name}" has ${channels} scales for dimension ${q.axis} of shape [${dims}]`,
    );
  }
  // Elements of one channel repeat every `inner` values along the quantized dimension.
  const inner = dims.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  for (let start = 0, c = 0; start < raw.length; start += inner, c = (c + 1) % channels) {
    const scale = q.scale[c] ?? 1;
    const zero = q.zeroPoint[c] ?? 0;
    for (let i = start; i < start + inner; i++) out[i] = scale * ((raw[i] as number) - zero);
  }
  return out;
}

/**
 * Writes a constant's float values into `into` (its first `valueCount` elements), dequantized as
 * constantValues does. With `transpose`, the first dimension moves last ([rows, ...rest] becomes
 * [...rest, rows]): TFLite stores conv filters as [out, h, w, in] and fully-connected weights as
 * [out, in], and TF.js wants [h, w, in, out] and [in, out]. Dequantizing and moving in one pass, a tile at
 * a time, writes each weight once, where it will live, with no copy in the file's layout.
 */
export function dequantizeInto(tensor: TfliteTensor, into: Float32Array, transpose = false): void {
  const rows = tensor.shape[0] ?? 1;
  const q = tensor.quantization;
  if (!transpose || rows <= 1) {
    const values = constantValues(tensor, into);
    // Integers without quantization come back as a new Int32Array: converted here.
    if (values.buffer !== into.buffer || values.byteOffset !== into.byteOffset) into.set(values);
    return;
  }
  if (!tensor.data) throw new Error(`tensor "${tensor.name}" is not a constant`);
  const perRow = q && q.scale.length > 1 && q.axis === 0;
  // Quantized along another dimension (not what TFLite's converter writes for these ops): in file order
  // first, then moved.
  const raw: ArrayLike<number> =
    q && q.scale.length > 1 && !perRow ? constantValues(tensor) : rawValues(tensor, tensor.data);
  const dequantized = !q || raw instanceof Float32Array;
  if (!dequantized && q && perRow && q.scale.length !== rows) {
    throw new Error(`constant "${tensor.name}" has ${q.scale.length} scales for its ${rows} rows`);
  }
  const cols = raw.length / rows;
  const out = into.subarray(0, raw.length);
  const TILE = 64;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const k = dequantized ? 0 : perRow ? r : 0;
        const scale = dequantized ? 1 : (q?.scale[k] ?? 1);
        const zero = dequantized ? 0 : (q?.zeroPoint[k] ?? 0);
        const base = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = scale * ((raw[base + c] as number) - zero);
      }
    }
  }
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
