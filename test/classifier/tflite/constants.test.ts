import { expect } from 'chai';
import { constantValues, dequantizeInto } from '../../../function/classifier/tflite/constants';
import { TensorType } from '../../../function/classifier/tflite/generated/tflite-schema';
import type { Quantization, TfliteTensor } from '../../../function/classifier/tflite/read-model';

/** A constant of `shape` holding `bytes` (int8 unless `type` says otherwise). */
function constant(
  shape: number[],
  bytes: Uint8Array,
  quantization?: Quantization,
  type = TensorType.INT8,
): TfliteTensor {
  return { index: 0, name: 'w', shape, type, quantization, data: bytes };
}

/** The reference: dequantized in the file's order, then its first dimension moved last. */
function reference(tensor: TfliteTensor): Float32Array {
  const flat = constantValues(tensor) as Float32Array;
  const rows = tensor.shape[0] as number;
  const cols = flat.length / rows;
  const out = new Float32Array(flat.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = flat[r * cols + c] as number;
  return out;
}

/** Deterministic bytes, sized so the 64-wide tiles end inside both dimensions. */
function bytes(count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (i * 37 + 11) % 256);
}

describe('dequantizeInto', () => {
  // [out, h, w, in] = [70, 3, 3, 9]: 70 rows of 81, so neither dimension is a multiple of the tile.
  const shape = [70, 3, 3, 9];
  const count = 70 * 81;
  const scales = Array.from({ length: 70 }, (_, i) => 0.01 + i * 0.001);
  const zeros = Array.from({ length: 70 }, (_, i) => (i % 5) - 2);

  const cases: Array<[string, TfliteTensor]> = [
    [
      'per-channel along the first dimension',
      constant(shape, bytes(count), { scale: scales, zeroPoint: zeros, axis: 0 }),
    ],
    ['per-tensor', constant(shape, bytes(count), { scale: [0.02], zeroPoint: [3], axis: 0 })],
    [
      'per-channel along the last dimension',
      constant(shape, bytes(count), {
        scale: Array.from({ length: 9 }, (_, i) => 0.5 / (i + 1)),
        zeroPoint: Array(9).fill(0),
        axis: 3,
      }),
    ],
    [
      'float32, not quantized',
      constant(
        shape,
        new Uint8Array(Float32Array.from({ length: count }, (_, i) => Math.sin(i)).buffer),
        undefined,
        TensorType.FLOAT32,
      ),
    ],
  ];

  for (const [name, tensor] of cases) {
    it(`moves the first dimension last, value for value, ${name}`, () => {
      const into = new Float32Array(count + 5).fill(Number.NaN);
      dequantizeInto(tensor, into, true);
      expect(Array.from(into.subarray(0, count))).to.deep.equal(Array.from(reference(tensor)));
      // Nothing past the constant's values is written.
      expect(into.subarray(count).every(Number.isNaN)).to.equal(true);
    });
  }

  it('writes in the file order without transpose', () => {
    const tensor = cases[0]?.[1] as TfliteTensor;
    const into = new Float32Array(count);
    dequantizeInto(tensor, into);
    expect(Array.from(into)).to.deep.equal(Array.from(constantValues(tensor)));
  });

  it('writes integers without quantization (an int32 bias) as floats', () => {
    const tensor = constant(
      [3],
      new Uint8Array(Int32Array.from([-7, 0, 42]).buffer),
      undefined,
      TensorType.INT32,
    );
    const into = new Float32Array(3).fill(Number.NaN);
    dequantizeInto(tensor, into);
    expect(Array.from(into)).to.deep.equal([-7, 0, 42]);
  });

  it('refuses per-channel scales that do not match the rows', () => {
    const tensor = constant(shape, bytes(count), {
      scale: scales.slice(1),
      zeroPoint: zeros.slice(1),
      axis: 0,
    });
    expect(() => dequantizeInto(tensor, new Float32Array(count), true)).to.throw(/69 scales for its 70 rows/);
  });
});
