import { inflateSync } from 'node:zlib';
import type { ImageLimits } from '../image-probe';
import { ascii, assertDimensions, corrupt, type Dimensions, Reader, truncated, unsupported } from './reader';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Bit depths the PNG specification allows for each colour type. */
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface PngLayout extends Dimensions {
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  /** [start, end) of each IDAT chunk's data. */
  idat: Array<[number, number]>;
}

export function inspectPng(bytes: Uint8Array, limits: ImageLimits): PngLayout {
  if (SIGNATURE.some((b, i) => bytes[i] !== b)) throw corrupt('png', 'its 8-byte signature is damaged');
  const r = new Reader(bytes, 'png');
  const firstType = ascii(bytes, 12, 16);
  if (firstType === 'CgBI') throw unsupported('an Apple-optimised (CgBI) PNG');
  if (firstType !== 'IHDR' || r.u32(8) !== 13)
    throw corrupt('png', 'its first chunk is not a valid IHDR header');
  const width = r.u32(16);
  const height = r.u32(20);
  assertDimensions('png', width, height, limits);
  const bitDepth = r.u8(24);
  const colorType = r.u8(25);
  if (!DEPTHS[colorType]?.includes(bitDepth)) {
    throw corrupt('png', `bit depth ${bitDepth} with colour type ${colorType} is not a valid combination`);
  }
  if (r.u8(26) !== 0 || r.u8(27) !== 0)
    throw corrupt('png', 'it names an unknown compression or filter method');
  const interlace = r.u8(28);
  if (interlace > 1) throw corrupt('png', `it names an unknown interlace method (${interlace})`);

  const idat: Array<[number, number]> = [];
  let at = 33;
  while (at + 8 <= bytes.length) {
    const length = r.u32(at);
    const type = ascii(bytes, at + 4, at + 8);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) break; // truncated: the decoder reports what is missing
    if (type === 'IDAT') idat.push([at + 8, at + 8 + length]);
    if (type === 'IEND') break;
    at = end;
  }
  if (idat.length === 0) throw truncated('png');
  return { width, height, bitDepth, colorType, interlaced: interlace === 1, idat };
}

/** Bytes of filtered scanlines the header promises, Adam7 passes included. */
export function pngRawSize(layout: PngLayout): number {
  const bitsPerPixel = (CHANNELS[layout.colorType] ?? 4) * layout.bitDepth;
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!layout.interlaced) return rows(layout.width, layout.height);
  const { width: w, height: h } = layout;
  // Adam7: [x0, y0, dx, dy] for each pass.
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  return passes.reduce(
    (sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((w - x0) / dx), Math.ceil((h - y0) / dy)),
    0,
  );
}

/**
 * pngjs inflates interlaced images without an output limit, so a few KB of IDAT could expand to
 * gigabytes. Inflate once here with a ceiling at the size the header promises (plus slack for encoders
 * that pad) and refuse the image if it goes past it.
 */
export function assertPngInflatesWithinHeader(bytes: Uint8Array, layout: PngLayout): void {
  if (!layout.interlaced) return; // pngjs caps non-interlaced inflation at the header's size itself
  const expected = pngRawSize(layout);
  const data = Buffer.concat(layout.idat.map(([s, e]) => bytes.subarray(s, e)));
  try {
    inflateSync(data, { maxOutputLength: expected * 2 + 65536 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw corrupt(
        'png',
        `its compressed data expands far beyond the ${expected} bytes its header describes`,
      );
    }
    // Other zlib errors: the decoder reports them in its own words.
  }
}
