import { inflateSync } from 'node:zlib';
import type { ImageLimits } from '../image-limits';
import { decodedFormat } from './descriptor';
import { ascii, assertDimensions, corrupt, type Dimensions, Reader, truncated, unsupported } from './reader';

const NAME = 'PNG';

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
  if (SIGNATURE.some((b, i) => bytes[i] !== b)) throw corrupt(NAME, 'its 8-byte signature is damaged');
  const r = new Reader(bytes, NAME);
  const firstType = ascii(bytes, 12, 16);
  if (firstType === 'CgBI') throw unsupported('an Apple-optimised (CgBI) PNG');
  if (firstType !== 'IHDR' || r.u32(8) !== 13)
    throw corrupt(NAME, 'its first chunk is not a valid IHDR header');
  const width = r.u32(16);
  const height = r.u32(20);
  assertDimensions(NAME, width, height, limits);
  const bitDepth = r.u8(24);
  const colorType = r.u8(25);
  if (!DEPTHS[colorType]?.includes(bitDepth)) {
    throw corrupt(NAME, `bit depth ${bitDepth} with colour type ${colorType} is not a valid combination`);
  }
  if (r.u8(26) !== 0 || r.u8(27) !== 0)
    throw corrupt(NAME, 'it names an unknown compression or filter method');
  const interlace = r.u8(28);
  if (interlace > 1) throw corrupt(NAME, `it names an unknown interlace method (${interlace})`);

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
  if (idat.length === 0) throw truncated(NAME);
  const layout = { width, height, bitDepth, colorType, interlaced: interlace === 1, idat };
  // Deflate expands at most 1032:1: less compressed data than that allows cannot hold the image. pngjs
  // would zero-fill the rest, so a 74-byte file claiming 6000×6000 took 0.6 s and 340 MB to "classify".
  const compressed = idat.reduce((sum, [s, e]) => sum + e - s, 0);
  const raw = pngRawSize(layout);
  if (compressed * 1032 + 1024 < raw) {
    throw corrupt(
      NAME,
      `it holds ${compressed} bytes of compressed data, too few for ${width}×${height} pixels (${raw} bytes): it is truncated`,
    );
  }
  return layout;
}

/** Adam7 interlacing: [x0, y0, dx, dy] of each of the 7 passes. */
export const ADAM7_PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Bytes of filtered scanlines the header promises, Adam7 passes included. */
export function pngRawSize(layout: PngLayout): number {
  const bitsPerPixel = (CHANNELS[layout.colorType] ?? 4) * layout.bitDepth;
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!layout.interlaced) return rows(layout.width, layout.height);
  const { width: w, height: h } = layout;
  return ADAM7_PASSES.reduce(
    (sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((w - x0) / dx), Math.ceil((h - y0) / dy)),
    0,
  );
}

/**
 * Inflates the image data once before pngjs does, to catch what pngjs lets through: it inflates
 * interlaced images without an output limit (a few KB could expand to gigabytes), and it fills rows
 * that a truncated stream never delivered with zeros, classifying a picture that is not there.
 */
export function assertPngDataMatchesHeader(bytes: Uint8Array, layout: PngLayout): void {
  const expected = pngRawSize(layout);
  const data = Buffer.concat(layout.idat.map(([s, e]) => bytes.subarray(s, e)));
  let inflated: number;
  try {
    inflated = inflateSync(data, { maxOutputLength: expected * 2 + 65536 }).length;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw corrupt(
        NAME,
        `its compressed data expands far beyond the ${expected} bytes its header describes`,
      );
    }
    return; // other zlib errors: the decoder reports them in its own words
  }
  if (inflated < expected) {
    throw corrupt(
      NAME,
      `its image data ends early: ${inflated} of ${expected} bytes, the rest of the picture is missing`,
    );
  }
}

export const pngFormat = decodedFormat({
  id: 'png',
  name: NAME,
  matches: (b) => ascii(b, 1, 4) === 'PNG',
  extensions: ['.png'],
  walk: inspectPng,
  decoders: {
    jimp: {
      mime: 'image/png',
      prepare: (bytes, layout) => {
        assertPngDataMatchesHeader(bytes, layout);
        return bytes;
      },
    },
    sharp: {},
  },
});
