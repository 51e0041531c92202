import { inflateRawSync } from 'node:zlib';
import type { ImageLimits } from '../image-limits';
import { decodedFormat } from './descriptor';
import { inspectJpeg } from './jpeg';
import {
  ascii,
  assertDimensions,
  corrupt,
  type Dimensions,
  Reader,
  tooLarge,
  truncated,
  unsupported,
} from './reader';

const NAME = 'TIFF';

/**
 * TIFF is where a decoder meets the most lying numbers: every count and offset comes from the file. jimp's
 * decoder (utif2) trusts them: it loops over a tag's declared count, follows the page chain without loop
 * detection, allocates from declared sizes and inflates strips without a ceiling. So the first page is
 * checked field by field, and utif2 is only ever given that one page (see `firstPageOnly`).
 */

const BYTE = 1;
const SHORT = 3;
const LONG = 4;
/** Size in bytes of one value of each TIFF field type (6.0 types 1–12, plus IFD 13). */
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};

const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfiguration: 284,
  predictor: 317,
  colorMap: 320,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  sampleFormat: 339,
} as const;

/** Tags whose values utif2 follows into further directories (SubIFDs, EXIF, GPS, maker notes, DNG, Fuji). */
const DIRECTORY_TAGS = new Set([330, 34665, 34853, 37500, 50740, 61440]);
/** A private tag number the decoder ignores; directory tags are renamed to it. */
const INERT_TAG = 65000;

const COMPRESSION = { none: 1, lzw: 5, jpeg: 7, deflate: 8, packBits: 32773, adobeDeflate: 32946 } as const;
const SUPPORTED_COMPRESSIONS: ReadonlySet<number> = new Set(Object.values(COMPRESSION));
const COMPRESSION_NAMES: Record<number, string> = {
  2: 'CCITT fax',
  3: 'CCITT Group 3 fax',
  4: 'CCITT Group 4 fax',
  6: 'old-style JPEG',
  34712: 'JPEG 2000',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
  50002: 'JPEG XL',
};
const PHOTOMETRIC_NAMES: Record<number, string> = {
  4: 'transparency-mask',
  5: 'CMYK',
  8: 'CIE L*a*b*',
  9: 'ICC L*a*b*',
  10: 'ITU L*a*b*',
  32803: 'camera-raw (CFA)',
  32844: 'LogL',
  32845: 'LogLuv',
  34892: 'linear-raw',
};

/** Sample sizes utif2's RGBA conversion handles, by photometric interpretation. */
const BITS_BY_PHOTOMETRIC: Record<number, readonly number[]> = {
  0: [1, 4, 8, 16], // white is zero
  1: [1, 2, 8, 16, 32], // black is zero (32: float only)
  2: [8, 16, 32], // RGB (32: float only)
  3: [1, 2, 4, 8], // palette
  6: [8], // YCbCr, JPEG-compressed only
};

/** Decoded sample data may not exceed 8 bytes a pixel at the pixel limit (16-bit RGBA). */
const RAW_BYTES_PER_PIXEL = 8;

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Absolute offset of the entry itself and of its values. */
  at: number;
  values: number;
}

export interface TiffBlock {
  offset: number;
  length: number;
  width: number;
  height: number;
  /** Bytes of decoded samples this strip or tile should give. */
  expected: number;
}

export interface TiffLayout extends Dimensions {
  littleEndian: boolean;
  ifdOffset: number;
  entryCount: number;
  compression: number;
  photometric: number;
  bitsPerSample: number;
  samplesPerPixel: number;
  planarConfiguration: number;
  predictor: number;
  sampleFormat: number;
  colorMapEntries: number;
  blocks: TiffBlock[];
}

class Directory {
  readonly entries = new Map<number, Entry>();
  constructor(private readonly r: Reader) {}
  values(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) {
      if (e.type === SHORT) out.push(this.r.u16(e.values + i * 2));
      else if (e.type === LONG || e.type === 13) out.push(this.r.u32(e.values + i * 4));
      else if (e.type === BYTE) out.push(this.r.u8(e.values + i));
      else throw corrupt(NAME, `tag ${tag} has type ${e.type} where a number is expected`);
    }
    return out;
  }
  first(tag: number): number | undefined {
    const e = this.entries.get(tag);
    return e && e.count > 0 ? this.values(tag)?.[0] : undefined;
  }
}

function readDirectory(r: Reader, offset: number): Directory {
  const dir = new Directory(r);
  const count = r.u16(offset);
  if (count === 0) throw corrupt(NAME, 'its first image directory is empty');
  if (!r.has(offset + 2, count * 12)) throw truncated(NAME);
  for (let i = 0; i < count; i++) {
    const at = offset + 2 + i * 12;
    const tag = r.u16(at);
    const type = r.u16(at + 2);
    const n = r.u32(at + 4);
    const size = TYPE_SIZES[type];
    if (size === undefined) continue; // unknown types are skipped by every reader, utif2 included
    const bytes = n * size;
    const values = bytes <= 4 ? at + 8 : r.u32(at + 8);
    // Readers loop over every declared value: a count that runs past the file is a hang or a crash.
    if (!r.has(values, bytes)) {
      throw corrupt(NAME, `tag ${tag} declares ${n} values, which run past the end of the file`);
    }
    if (!dir.entries.has(tag)) dir.entries.set(tag, { tag, type, count: n, at, values });
  }
  return dir;
}

const name = (names: Record<number, string>, value: number, fallback: string): string =>
  names[value] ?? `${fallback} ${value}`;

/**
 * The first page's structure, checked so that no reader is asked to trust a lie: every tag's values lie
 * inside the file, width and height are present and within the pixel limit, the decoded samples fit the
 * memory budget, and the strips or tiles the page lists exist and lie inside the file.
 */
export function inspectTiff(bytes: Uint8Array, limits: ImageLimits): TiffLayout {
  const littleEndian = bytes[0] === 0x49;
  const r = new Reader(bytes, NAME, littleEndian);
  const version = r.u16(2);
  if (version === 43) throw unsupported('BigTIFF');
  if (version !== 42) throw corrupt(NAME, `its version is ${version}, not 42`);
  const ifdOffset = r.u32(4);
  const dir = readDirectory(r, ifdOffset);

  const width = dir.first(TAG.width);
  const height = dir.first(TAG.height);
  if (width === undefined || height === undefined)
    throw corrupt(NAME, 'its first page has no width or height');
  assertDimensions(NAME, width, height, limits);

  const compression = dir.first(TAG.compression) ?? COMPRESSION.none;
  const bits = dir.values(TAG.bitsPerSample) ?? [1];
  const samplesPerPixel = dir.first(TAG.samplesPerPixel) ?? 1;
  const bitsPerSample = Math.max(...bits);
  if (samplesPerPixel < 1 || samplesPerPixel > 8)
    throw corrupt(NAME, `it declares ${samplesPerPixel} samples a pixel`);
  if (bitsPerSample < 1 || bitsPerSample > 64)
    throw corrupt(NAME, `it declares ${bitsPerSample}-bit samples`);
  if (bits.length !== 1 && bits.length < samplesPerPixel) {
    throw corrupt(NAME, `it gives ${bits.length} sample sizes for ${samplesPerPixel} samples a pixel`);
  }
  const bitsPerPixel = bitsPerSample * samplesPerPixel;
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const raw = rowBytes(width) * height;
  if (raw > limits.maxPixels * RAW_BYTES_PER_PIXEL) {
    throw tooLarge(
      `the TIFF's ${bitsPerPixel}-bit pixels need ${Math.ceil(raw / 2 ** 20)} MB to decode, over the limit of ${Math.floor((limits.maxPixels * RAW_BYTES_PER_PIXEL) / 2 ** 20)} MB`,
    );
  }
  // Separate planes (PlanarConfiguration 2) list the strips or tiles of each sample's plane in turn.
  const planes = (dir.first(TAG.planarConfiguration) ?? 1) === 2 ? samplesPerPixel : 1;
  const blockRowBytes = planes > 1 ? (w: number) => Math.ceil((w * bitsPerSample) / 8) : rowBytes;
  const blocks = layoutBlocks(
    dir,
    { width, height, compression, raw, rowBytes: blockRowBytes, planes },
    limits,
  );
  for (const block of blocks) {
    if (!r.has(block.offset, block.length))
      throw corrupt(NAME, 'a strip or tile runs past the end of the file');
  }
  if (bits.some((b) => b !== bitsPerSample)) {
    // Reported after the structure checks: a lying header is damage, mixed sizes merely unusual.
    throw unsupported(`a TIFF with mixed sample sizes (${bits.join(', ')} bits)`);
  }
  return {
    width,
    height,
    littleEndian,
    ifdOffset,
    entryCount: r.u16(ifdOffset),
    compression,
    photometric: dir.first(TAG.photometric) ?? (bitsPerSample === 1 ? 0 : 2),
    bitsPerSample,
    samplesPerPixel,
    planarConfiguration: dir.first(TAG.planarConfiguration) ?? 1,
    predictor: dir.first(TAG.predictor) ?? 1,
    sampleFormat: dir.first(TAG.sampleFormat) ?? 1,
    colorMapEntries: dir.entries.get(TAG.colorMap)?.count ?? 0,
    blocks,
  };
}

/**
 * What utif2 (jimp's TIFF decoder) reads correctly, refused by name otherwise: it would throw a bare
 * number, read `window` (CMYK), or return a black bitmap. Compressed strips far longer than their pixels,
 * and JPEG strips claiming more pixels than the strip, are refused too: utif2 sizes work from them.
 */
export function assertUtifReads(bytes: Uint8Array, layout: TiffLayout, limits: ImageLimits): void {
  const { compression, photometric, bitsPerSample } = layout;
  if (!SUPPORTED_COMPRESSIONS.has(compression)) {
    throw unsupported(`a TIFF with ${name(COMPRESSION_NAMES, compression, 'compression')} compression`);
  }
  const supportedBits = BITS_BY_PHOTOMETRIC[photometric];
  if (!supportedBits) throw unsupported(`a ${name(PHOTOMETRIC_NAMES, photometric, 'photometric')} TIFF`);
  if (!supportedBits.includes(bitsPerSample)) unsupportedLayout(`${bitsPerSample}-bit samples`);
  if (bitsPerSample === 32 && layout.sampleFormat !== 3) unsupportedLayout('32-bit integer samples');
  if (photometric === 6 && compression !== COMPRESSION.jpeg) unsupportedLayout('uncompressed YCbCr samples');
  if (compression === COMPRESSION.jpeg && bitsPerSample !== 8)
    unsupportedLayout('JPEG compression above 8 bits');
  if (layout.planarConfiguration === 2 && layout.samplesPerPixel > 1)
    unsupportedLayout('separate colour planes');
  if (layout.predictor > 2) unsupportedLayout('the floating-point predictor');
  if (photometric === 3 && layout.colorMapEntries !== 3 * 2 ** bitsPerSample) {
    throw corrupt(NAME, 'its palette (ColorMap) is missing or has the wrong size');
  }
  for (const block of layout.blocks) {
    // Every codec here writes at most ~1.5× its input back out for real data: a block far longer than
    // its pixels is either garbage or a way to keep the decoder busy.
    if (block.length > block.expected * 2 + 4096) {
      throw corrupt(
        NAME,
        `a strip or tile holds ${block.length} bytes for ${block.expected} bytes of pixels`,
      );
    }
    if (compression === COMPRESSION.jpeg) {
      const embedded = inspectJpeg(bytes, limits, block.offset, block.offset + block.length);
      if (embedded.width > block.width || embedded.height > block.height) {
        throw corrupt(
          NAME,
          `a JPEG strip claims ${embedded.width}×${embedded.height} pixels in a ${block.width}×${block.height} strip`,
        );
      }
    }
  }
}

function unsupportedLayout(what: string): never {
  throw unsupported(`a TIFF with ${what}`);
}

function layoutBlocks(
  dir: Directory,
  image: {
    width: number;
    height: number;
    compression: number;
    raw: number;
    /** Bytes of one row of a strip or tile (one sample's worth when the planes are separate). */
    rowBytes: (w: number) => number;
    planes: number;
  },
  limits: ImageLimits,
): TiffBlock[] {
  const { width, height, rowBytes, planes } = image;
  const tileWidth = dir.first(TAG.tileWidth);
  if (tileWidth !== undefined) {
    const tileLength = dir.first(TAG.tileLength) ?? 0;
    if (tileWidth < 1 || tileLength < 1)
      throw corrupt(NAME, `its tiles are ${tileWidth}×${tileLength} pixels`);
    const tileBytes = rowBytes(tileWidth) * tileLength;
    if (tileBytes > limits.maxPixels * RAW_BYTES_PER_PIXEL) {
      throw tooLarge(`the TIFF's ${tileWidth}×${tileLength} tiles are over the size limit`);
    }
    const offsets = dir.values(TAG.tileOffsets) ?? dir.values(TAG.stripOffsets);
    const counts = dir.values(TAG.tileByteCounts);
    const tiles = Math.ceil(width / tileWidth) * Math.ceil(height / tileLength) * planes;
    if (!offsets || !counts || offsets.length < tiles || counts.length < tiles || offsets.length > tiles) {
      throw corrupt(
        NAME,
        `it needs ${tiles} tiles but lists ${offsets?.length ?? 0} offsets and ${counts?.length ?? 0} sizes`,
      );
    }
    return offsets.map((offset, i) => ({
      offset,
      length: counts[i] as number,
      width: tileWidth,
      height: tileLength,
      expected: tileBytes,
    }));
  }
  const rowsPerStrip = Math.min(dir.first(TAG.rowsPerStrip) ?? height, height);
  if (rowsPerStrip < 1) throw corrupt(NAME, 'it declares 0 rows a strip');
  const offsets = dir.values(TAG.stripOffsets);
  if (!offsets || offsets.length === 0) throw corrupt(NAME, 'it has no image data (no strip offsets)');
  const strips = Math.ceil(height / rowsPerStrip) * planes;
  if (offsets.length > strips)
    throw corrupt(NAME, `it lists ${offsets.length} strips for ${strips} strips of rows`);
  // utif2 reads a single uncompressed strip by the image size, whatever its byte count says.
  const counts =
    image.compression === COMPRESSION.none && offsets.length === 1
      ? [image.raw]
      : dir.values(TAG.stripByteCounts);
  if (!counts || counts.length < offsets.length) throw corrupt(NAME, 'its strip sizes are missing');
  return offsets.map((offset, i) => ({
    offset,
    length: counts[i] as number,
    width,
    height: rowsPerStrip,
    expected: rowBytes(width) * rowsPerStrip,
  }));
}

/**
 * Output each compressed strip would produce, measured without producing it, and refused when it is far
 * past what the header describes: utif2 keeps decoding past the end of its buffer (LZW, PackBits) or
 * inflates without a ceiling (Deflate), so a small strip could run for minutes or take gigabytes.
 */
export function assertTiffBlocksDecodeWithinHeader(bytes: Uint8Array, layout: TiffLayout): void {
  for (const block of layout.blocks) {
    const data = bytes.subarray(block.offset, block.offset + block.length);
    const ceiling = block.expected * 2 + 65536;
    let produced = 0;
    if (layout.compression === COMPRESSION.lzw) produced = lzwOutputLength(data, ceiling);
    else if (layout.compression === COMPRESSION.packBits) produced = packBitsOutputLength(data);
    else if (layout.compression === COMPRESSION.deflate || layout.compression === COMPRESSION.adobeDeflate) {
      produced = inflatedLength(data, ceiling);
    }
    if (produced > ceiling) {
      throw corrupt(NAME, `a strip expands far beyond the ${block.expected} bytes its header describes`);
    }
  }
}

function inflatedLength(data: Uint8Array, ceiling: number): number {
  // utif2 skips the 2-byte zlib header and inflates raw deflate: do the same.
  try {
    return inflateRawSync(data.subarray(2), { maxOutputLength: ceiling }).length;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return ceiling + 1;
    return 0; // damaged data: the decoder reports it
  }
}

function packBitsOutputLength(data: Uint8Array): number {
  let out = 0;
  for (let i = 0; i < data.length; ) {
    const n = ((data[i] as number) << 24) >> 24;
    i += 1;
    if (n >= 0) {
      out += n + 1;
      i += n + 1;
    } else if (n !== -128) {
      out += 1 - n;
      i += 1;
    }
  }
  return out;
}

/**
 * Length of TIFF LZW output (MSB-first codes, 9–12 bits, early change), counted from string lengths
 * alone, following utif2's own table. Stops as soon as the count passes `ceiling`. A code beyond the next
 * table entry is refused: utif2 would chain the following entry to itself and loop forever.
 */
function lzwOutputLength(data: Uint8Array, ceiling: number): number {
  const CLEAR = 256;
  const END = 257;
  const lengths = new Uint32Array(4096).fill(1);
  let next = 258;
  let width = 9;
  let bit = 0;
  // utif2 starts as if the code before the first one were 0; after a clear code it adds no entry.
  let previous = 0;
  let out = 0;
  const totalBits = data.length * 8;
  while (bit + width <= totalBits) {
    let code = 0;
    for (let i = 0; i < width; i++, bit++)
      code = (code << 1) | (((data[bit >> 3] as number) >> (7 - (bit & 7))) & 1);
    if (code === END) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      previous = -1;
      continue;
    }
    if (code > next) throw corrupt(NAME, 'a strip holds an invalid LZW code');
    if (previous >= 0) {
      // The entry utif2 adds now: the previous string plus one byte.
      if (next < 4096) lengths[next] = (lengths[previous] as number) + 1;
      next += 1;
      if (next + 1 >= 1 << width && width < 12) width += 1;
    }
    out += lengths[code] as number;
    if (out > ceiling) return out;
    previous = code;
  }
  return out;
}

/**
 * A copy of the file that utif2 reads as one page with no sub-directories: the page chain ends after the
 * first page (utif2 would otherwise decode every page, and loops forever on a chain that points back), and
 * tags that lead into other directories (EXIF, GPS, SubIFDs, maker notes) are renamed to an inert tag.
 */
export function firstPageOnly(bytes: Uint8Array, layout: TiffLayout): Buffer {
  const copy = Buffer.from(bytes);
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  const le = layout.littleEndian;
  for (let i = 0; i < layout.entryCount; i++) {
    const at = layout.ifdOffset + 2 + i * 12;
    if (DIRECTORY_TAGS.has(view.getUint16(at, le))) view.setUint16(at, INERT_TAG, le);
  }
  const next = layout.ifdOffset + 2 + layout.entryCount * 12;
  if (next + 4 <= copy.length) view.setUint32(next, 0, le);
  return copy;
}

export const tiffFormat = decodedFormat({
  id: 'tiff',
  name: NAME,
  matches: (b) => ascii(b, 0, 4) === 'II*\u0000' || ascii(b, 0, 4) === 'MM\u0000*',
  extensions: ['.tif', '.tiff'],
  walk: inspectTiff,
  decoders: {
    jimp: {
      mime: 'image/tiff',
      prepare: (bytes, layout, limits) => {
        assertUtifReads(bytes, layout, limits);
        assertTiffBlocksDecodeWithinHeader(bytes, layout);
        return firstPageOnly(bytes, layout);
      },
    },
    sharp: {},
  },
});
