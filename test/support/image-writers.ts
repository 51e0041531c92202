import { crc32, deflateSync } from 'node:zlib';
import { Jimp } from 'jimp';

/**
 * Small, dependency-free image writers for the hostile-input tests. Writing the bytes by hand gives full
 * control over every header field, so a test can build a valid image, then make one field lie.
 */

/** RGBA, 8 bits a channel, row-major: the same shape the decoder returns. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

const QUADRANT_COLOURS = [
  [220, 30, 30], // top left: red
  [30, 200, 40], // top right: green
  [30, 40, 220], // bottom left: blue
  [240, 240, 240], // bottom right: white
] as const;

/**
 * Four flat quadrants in four colours, so that each of the 8 EXIF orientations (and any wrong one) gives a
 * different picture. Flat 8×8-aligned blocks survive JPEG almost unchanged.
 */
export function quadrants(width: number, height: number): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      const colour = QUADRANT_COLOURS[q] as readonly [number, number, number];
      data.set([...colour, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** A smooth colour gradient with a diagonal stripe: a photo-like image for codec round trips. */
export function gradient(width: number, height: number): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const stripe = Math.abs(x - y) < 3 ? 80 : 0;
      data.set(
        [
          Math.round((255 * x) / Math.max(1, width - 1)),
          Math.round((255 * y) / Math.max(1, height - 1)),
          Math.min(255, 128 + stripe),
          255,
        ],
        (y * width + x) * 4,
      );
    }
  }
  return { width, height, data };
}

// ---------------------------------------------------------------- PNG

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngOptions {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** Packed samples, `height` rows without filter bytes (16-bit samples big-endian). */
  rows: Uint8Array;
  palette?: Uint8Array;
  transparency?: Uint8Array;
  /** Extra chunks written before IDAT. */
  chunks?: Buffer[];
}

export function ihdr(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  interlace = 0,
): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([bitDepth, colorType, 0, 0, interlace], 8);
  return pngChunk('IHDR', data);
}

const CHANNELS: Record<PngOptions['colorType'], number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function encodePng(o: PngOptions): Buffer {
  const rowBytes = Math.ceil((o.width * CHANNELS[o.colorType] * o.bitDepth) / 8);
  const filtered = Buffer.alloc((rowBytes + 1) * o.height);
  for (let y = 0; y < o.height; y++) {
    filtered.set(o.rows.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(o.width, o.height, o.bitDepth, o.colorType),
    ...(o.palette ? [pngChunk('PLTE', o.palette)] : []),
    ...(o.transparency ? [pngChunk('tRNS', o.transparency)] : []),
    ...(o.chunks ?? []),
    pngChunk('IDAT', deflateSync(filtered)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** 8-bit RGBA PNG of an image. */
export const rgbaPng = (img: Rgba, chunks?: Buffer[]): Buffer =>
  encodePng({ width: img.width, height: img.height, bitDepth: 8, colorType: 6, rows: img.data, chunks });

/** 16-bit RGB PNG whose samples scale back exactly to the 8-bit image (v·257). */
export function rgb16Png(img: Rgba): Buffer {
  const rows = new Uint8Array(img.width * img.height * 6);
  for (let i = 0, o = 0; i < img.data.length; i += 4) {
    for (let c = 0; c < 3; c++, o += 2) rows[o] = rows[o + 1] = img.data[i + c] as number;
  }
  return encodePng({ width: img.width, height: img.height, bitDepth: 16, colorType: 2, rows });
}

/** 8-bit gray PNG from the green channel. */
export function grayPng(img: Rgba): Buffer {
  const rows = new Uint8Array(img.width * img.height);
  for (let i = 0; i < rows.length; i++) rows[i] = img.data[i * 4 + 1] as number;
  return encodePng({ width: img.width, height: img.height, bitDepth: 8, colorType: 0, rows });
}

/** Palette PNG of an image with at most 256 colours; `alpha` adds a tRNS chunk. */
export function palettePng(img: Rgba, options: { transparency?: Uint8Array } = {}): Buffer {
  const { palette, indices } = indexColours(img);
  return encodePng({
    width: img.width,
    height: img.height,
    bitDepth: 8,
    colorType: 3,
    rows: indices,
    palette,
    transparency: options.transparency,
  });
}

/** The image's colours as a palette (RGB triplets) and one index a pixel; throws above 256 colours. */
export function indexColours(img: Rgba): { palette: Uint8Array; indices: Uint8Array } {
  const seen = new Map<number, number>();
  const indices = new Uint8Array(img.width * img.height);
  for (let p = 0; p < indices.length; p++) {
    const key =
      ((img.data[p * 4] as number) << 16) |
      ((img.data[p * 4 + 1] as number) << 8) |
      (img.data[p * 4 + 2] as number);
    let index = seen.get(key);
    if (index === undefined) {
      index = seen.size;
      if (index > 255) throw new Error('more than 256 colours: cannot index this image');
      seen.set(key, index);
    }
    indices[p] = index;
  }
  const palette = new Uint8Array(seen.size * 3);
  for (const [key, index] of seen) palette.set([key >> 16, (key >> 8) & 255, key & 255], index * 3);
  return { palette, indices };
}

// ---------------------------------------------------------------- GIF

export interface GifFrame {
  indices: Uint8Array;
  /** Frame rectangle inside the logical screen; defaults to the whole screen. */
  left?: number;
  top?: number;
  width?: number;
  height?: number;
}

/**
 * GIF with a global 256-entry palette and one or more frames. The LZW stream uses only literal 9-bit
 * codes with a clear code every 250 pixels, which every decoder reads and needs no dictionary.
 */
export function encodeGif(o: {
  width: number;
  height: number;
  palette: Uint8Array;
  frames: GifFrame[];
}): Buffer {
  const parts: Buffer[] = [Buffer.from('GIF89a', 'latin1')];
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(o.width, 0);
  screen.writeUInt16LE(o.height, 2);
  screen[4] = 0xf7; // global colour table, 8 bits of colour resolution, 256 entries
  parts.push(screen);
  const table = Buffer.alloc(768);
  table.set(o.palette.subarray(0, 768));
  parts.push(table);
  if (o.frames.length > 1) {
    // NETSCAPE2.0 looping extension: marks the file as an animation.
    parts.push(
      Buffer.from([0x21, 0xff, 0x0b]),
      Buffer.from('NETSCAPE2.0', 'latin1'),
      Buffer.from([3, 1, 0, 0, 0]),
    );
  }
  for (const frame of o.frames) {
    parts.push(Buffer.from([0x21, 0xf9, 4, 0x04, 10, 0, 0, 0])); // graphic control: 0.1 s, keep previous
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x2c;
    descriptor.writeUInt16LE(frame.left ?? 0, 1);
    descriptor.writeUInt16LE(frame.top ?? 0, 3);
    descriptor.writeUInt16LE(frame.width ?? o.width, 5);
    descriptor.writeUInt16LE(frame.height ?? o.height, 7);
    parts.push(descriptor, Buffer.from([8]), subBlocks(literalLzw(frame.indices)), Buffer.from([0]));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

function literalLzw(indices: Uint8Array): Buffer {
  const CLEAR = 256;
  const END = 257;
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  const emit = (code: number) => {
    acc |= code << bits;
    bits += 9;
    while (bits >= 8) {
      out.push(acc & 255);
      acc >>>= 8;
      bits -= 8;
    }
  };
  for (let i = 0; i < indices.length; i++) {
    if (i % 250 === 0) emit(CLEAR);
    emit(indices[i] as number);
  }
  emit(END);
  if (bits > 0) out.push(acc & 255);
  return Buffer.from(out);
}

function subBlocks(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const block = data.subarray(i, i + 255);
    parts.push(Buffer.from([block.length]), block);
  }
  return Buffer.concat(parts);
}

/** Single-frame or animated GIF of images with at most 256 colours in total. */
export function gifOf(images: Rgba[]): Buffer {
  const first = images[0];
  if (!first) throw new Error('gifOf needs at least one image');
  const all: Rgba = {
    width: first.width,
    height: first.height * images.length,
    data: Buffer.concat(images.map((i) => i.data)),
  };
  const { palette, indices } = indexColours(all);
  const size = first.width * first.height;
  return encodeGif({
    width: first.width,
    height: first.height,
    palette,
    frames: images.map((_, f) => ({ indices: indices.subarray(f * size, (f + 1) * size) })),
  });
}

// ---------------------------------------------------------------- BMP

/**
 * Uncompressed BMP (BITMAPINFOHEADER), bottom-up unless `topDown`: 24 or 32 bits, 16 bits (5-5-5), or
 * 1, 4 and 8 bits with a palette (the image must have few enough colours).
 */
export function encodeBmp(
  img: Rgba,
  options: { bits?: 1 | 4 | 8 | 16 | 24 | 32; topDown?: boolean } = {},
): Buffer {
  const bits = options.bits ?? 24;
  const stride = Math.ceil((img.width * bits) / 32) * 4;
  const indexed = bits <= 8 ? indexColours(img) : undefined;
  const colours = indexed ? indexed.palette.length / 3 : 0;
  if (colours > 2 ** bits) throw new Error(`${colours} colours do not fit ${bits} bits`);
  const offset = 54 + colours * 4;
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(offset + stride * img.height, 2);
  header.writeUInt32LE(offset, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(img.width, 18);
  header.writeInt32LE(options.topDown ? -img.height : img.height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(bits, 28);
  header.writeUInt32LE(stride * img.height, 34);
  header.writeUInt32LE(colours, 46);
  const table = Buffer.alloc(colours * 4);
  for (let i = 0; i < colours; i++) {
    const p = indexed?.palette as Uint8Array;
    table.set([p[i * 3 + 2] as number, p[i * 3 + 1] as number, p[i * 3] as number, 0], i * 4);
  }
  const pixels = Buffer.alloc(stride * img.height);
  for (let y = 0; y < img.height; y++) {
    const row = (options.topDown ? y : img.height - 1 - y) * stride;
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      const [r, g, b] = [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
      if (indexed) {
        const index = indexed.indices[y * img.width + x] as number;
        const bit = x * bits;
        const shift = 8 - bits - (bit % 8);
        pixels[row + (bit >> 3)] = (pixels[row + (bit >> 3)] as number) | (index << shift);
      } else if (bits === 16) {
        pixels.writeUInt16LE(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3), row + x * 2);
      } else {
        const o = row + x * (bits / 8);
        pixels.set(bits === 32 ? [b, g, r, 255] : [b, g, r], o);
      }
    }
  }
  return Buffer.concat([header, table, pixels]);
}

// ---------------------------------------------------------------- TIFF

const SHORT = 3;
const LONG = 4;

export interface TiffPage {
  width: number;
  height: number;
  bitsPerSample: 8 | 16;
  samplesPerPixel: 1 | 3 | 4;
  /** 1 gray (black is zero), 2 RGB, 5 CMYK (separated), 6 YCbCr (with JPEG compression). */
  photometric: 1 | 2 | 5 | 6;
  /** Unassociated alpha in the last sample (RGBA). */
  alpha?: boolean;
  /** Stored samples: uncompressed (little-endian for 16 bits) unless `compression` says otherwise. */
  data: Uint8Array;
  /** 1 none (default), 5 LZW, 7 JPEG, 8 Deflate, 32773 PackBits. */
  compression?: number;
  /** Byte lengths of the consecutive strips (or tiles) in `data`; one strip by default. */
  blocks?: number[];
  rowsPerStrip?: number;
  /** Tile size, when `blocks` are tiles. */
  tile?: { width: number; height: number };
  /** Replaces or adds tags (tag → SHORT/LONG values), to write lying headers. */
  overrides?: Record<number, { type: 3 | 4; values: number[] }>;
}

/** Little-endian TIFF; pages chained in order (a multi-page TIFF). */
export function encodeTiff(pages: TiffPage[]): Buffer {
  const chunks: Buffer[] = [Buffer.from([0x49, 0x49, 42, 0, 0, 0, 0, 0])];
  let offset = 8;
  // Where the previous "next IFD" pointer sits (the header's first-IFD pointer for page 1).
  let pointer = 4;
  const links: Array<[number, number]> = [];
  for (const page of pages) {
    const dataOffset = offset;
    chunks.push(Buffer.from(page.data));
    offset += page.data.length + (page.data.length % 2);
    if (page.data.length % 2) chunks.push(Buffer.alloc(1));
    const blocks = page.blocks ?? [page.data.length];
    const offsets = blocks.map((_, i) => dataOffset + blocks.slice(0, i).reduce((a, b) => a + b, 0));
    const layout: Record<number, { type: 3 | 4; values: number[] }> = page.tile
      ? {
          322: { type: LONG, values: [page.tile.width] },
          323: { type: LONG, values: [page.tile.height] },
          324: { type: LONG, values: offsets },
          325: { type: LONG, values: blocks },
        }
      : {
          273: { type: LONG, values: offsets },
          278: { type: LONG, values: [page.rowsPerStrip ?? page.height] },
          279: { type: LONG, values: blocks },
        };
    const tags: Record<number, { type: 3 | 4; values: number[] }> = {
      256: { type: LONG, values: [page.width] },
      257: { type: LONG, values: [page.height] },
      258: { type: SHORT, values: Array(page.samplesPerPixel).fill(page.bitsPerSample) },
      259: { type: SHORT, values: [page.compression ?? 1] },
      262: { type: SHORT, values: [page.photometric] },
      277: { type: SHORT, values: [page.samplesPerPixel] },
      284: { type: SHORT, values: [1] },
      ...layout,
      ...page.overrides,
    };
    if (page.alpha) tags[338] = { type: SHORT, values: [2] };
    const entries = Object.entries(tags)
      .map(([tag, v]) => [Number(tag), v] as const)
      .sort((a, b) => a[0] - b[0]);
    // Values longer than 4 bytes live after the IFD.
    const ifdSize = 2 + entries.length * 12 + 4;
    const ifdOffset = offset;
    const ifd = Buffer.alloc(ifdSize);
    const extra: Buffer[] = [];
    let extraOffset = ifdOffset + ifdSize;
    ifd.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, { type, values }], n) => {
      const at = 2 + n * 12;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeUInt32LE(values.length, at + 4);
      const size = type === SHORT ? 2 : 4;
      const bytes = Buffer.alloc(Math.max(4, values.length * size));
      for (const [k, v] of values.entries()) {
        if (size === 2) bytes.writeUInt16LE(v, k * 2);
        else bytes.writeUInt32LE(v, k * 4);
      }
      if (bytes.length <= 4) {
        bytes.copy(ifd, at + 8);
      } else {
        ifd.writeUInt32LE(extraOffset, at + 8);
        extra.push(bytes);
        extraOffset += bytes.length;
      }
    });
    chunks.push(ifd, ...extra);
    links.push([pointer, ifdOffset]);
    pointer = ifdOffset + ifdSize - 4;
    offset = extraOffset;
  }
  const out = Buffer.concat(chunks);
  for (const [at, value] of links) out.writeUInt32LE(value, at);
  return out;
}

/** An RGBA image as a TIFF page: RGB (or RGBA with `alpha`), 8 or 16 bits. */
export function tiffPage(
  img: Rgba,
  options: { bits?: 8 | 16; alpha?: boolean; gray?: boolean } = {},
): TiffPage {
  const bits = options.bits ?? 8;
  const channels = options.gray ? [1] : options.alpha ? [0, 1, 2, 3] : [0, 1, 2];
  const bytesPerSample = bits / 8;
  const data = new Uint8Array(img.width * img.height * channels.length * bytesPerSample);
  let o = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    for (const c of channels) {
      const v = img.data[p * 4 + c] as number;
      if (bits === 16) data[o++] = v; // low byte of v·257
      data[o++] = v;
    }
  }
  return {
    width: img.width,
    height: img.height,
    bitsPerSample: bits,
    samplesPerPixel: channels.length as 1 | 3 | 4,
    photometric: options.gray ? 1 : 2,
    alpha: options.alpha,
    data,
  };
}

/** TIFF LZW (MSB-first codes of 9–12 bits, code width raised one code early), as libtiff writes it. */
export function tiffLzw(data: Uint8Array): Buffer {
  const CLEAR = 256;
  const END = 257;
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let width = 9;
  const emit = (code: number) => {
    acc = (acc << width) | code;
    bits += width;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 255);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  };
  let table = new Map<number, number>();
  let next = 258;
  emit(CLEAR);
  if (data.length === 0) {
    emit(END);
    return Buffer.from(out);
  }
  let prefix = data[0] as number;
  for (let i = 1; i < data.length; i++) {
    const c = data[i] as number;
    const known = table.get(prefix * 256 + c);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    emit(prefix);
    table.set(prefix * 256 + c, next++);
    if (next === 4093) {
      emit(CLEAR);
      table = new Map();
      next = 258;
      width = 9;
    } else if (next > (1 << width) - 1) {
      width += 1;
    }
    prefix = c;
  }
  emit(prefix);
  next += 1;
  if (next > (1 << width) - 1 && width < 12) width += 1;
  emit(END);
  if (bits > 0) out.push((acc << (8 - bits)) & 255);
  return Buffer.from(out);
}

/** PackBits (Apple/TIFF run-length): literal runs and repeats of up to 128 bytes. */
export function packBits(data: Uint8Array): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    if (run > 1) {
      out.push(257 - run, data[i] as number);
      i += run;
      continue;
    }
    let literal = 1;
    while (i + literal < data.length && literal < 128 && data[i + literal] !== data[i + literal - 1])
      literal++;
    out.push(literal - 1, ...data.subarray(i, i + literal));
    i += literal;
  }
  return Buffer.from(out);
}

export type TiffCompression = 'none' | 'lzw' | 'deflate' | 'packbits' | 'jpeg';
const TIFF_COMPRESSION: Record<TiffCompression, number> = {
  none: 1,
  lzw: 5,
  deflate: 8,
  packbits: 32773,
  jpeg: 7,
};

/** An 8-bit RGB page cut into strips of `rowsPerStrip` rows, each compressed on its own. */
export async function stripedTiffPage(
  img: Rgba,
  compression: TiffCompression,
  rowsPerStrip = 8,
): Promise<TiffPage> {
  const rgb = tiffPage(img);
  const rowBytes = img.width * 3;
  const strips: Buffer[] = [];
  for (let y = 0; y < img.height; y += rowsPerStrip) {
    const rows = Math.min(rowsPerStrip, img.height - y);
    const raw = rgb.data.subarray(y * rowBytes, (y + rows) * rowBytes);
    if (compression === 'jpeg') {
      const strip = {
        width: img.width,
        height: rows,
        data: img.data.subarray(y * img.width * 4, (y + rows) * img.width * 4),
      };
      strips.push(await encodeJpeg(strip, 95));
    } else {
      strips.push(
        compression === 'lzw'
          ? tiffLzw(raw)
          : compression === 'deflate'
            ? deflateSync(raw)
            : compression === 'packbits'
              ? packBits(raw)
              : Buffer.from(raw),
      );
    }
  }
  return {
    ...rgb,
    photometric: compression === 'jpeg' ? 6 : 2,
    compression: TIFF_COMPRESSION[compression],
    data: Buffer.concat(strips),
    blocks: strips.map((s) => s.length),
    rowsPerStrip,
  };
}

/** An 8-bit RGB page in uncompressed tiles (edge tiles padded). */
export function tiledTiffPage(img: Rgba, tile: number): TiffPage {
  const across = Math.ceil(img.width / tile);
  const down = Math.ceil(img.height / tile);
  const tileBytes = tile * tile * 3;
  const data = Buffer.alloc(across * down * tileBytes);
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const base = (ty * across + tx) * tileBytes;
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          const sx = tx * tile + x;
          const sy = ty * tile + y;
          if (sx >= img.width || sy >= img.height) continue;
          const i = (sy * img.width + sx) * 4;
          data.set(img.data.subarray(i, i + 3), base + (y * tile + x) * 3);
        }
      }
    }
  }
  return {
    ...tiffPage(img),
    data,
    blocks: Array(across * down).fill(tileBytes),
    tile: { width: tile, height: tile },
  };
}

// Adam7's [x0, y0, dx, dy] per pass (PNG spec 8.2), written out here rather than taken from the decoder, so
// that a mistake in the decoder's table shows as a test failure.
const ADAM7_PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Adam7-interlaced 8-bit RGBA PNG. */
export function interlacedPng(img: Rgba): Buffer {
  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of ADAM7_PASSES) {
    const pw = Math.ceil((img.width - x0) / dx);
    if (pw <= 0) continue;
    for (let y = y0; y < img.height; y += dy) {
      rows.push(0);
      for (let x = x0; x < img.width; x += dx)
        rows.push(...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
    }
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(img.width, img.height, 8, 6, 1),
    pngChunk('IDAT', deflateSync(Buffer.from(rows))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

// ---------------------------------------------------------------- JPEG

/**
 * A jimp image of the pixels. Jimp.fromBitmap copies `data.buffer` whole, ignoring the view's offset, so
 * it must be given a Uint8Array that owns its buffer exactly (a Buffer from the pool would read garbage).
 */
const jimpOf = (img: Rgba) =>
  Jimp.fromBitmap({ width: img.width, height: img.height, data: Uint8Array.from(img.data) });

/** Baseline JPEG (4:2:0) through jimp's encoder (jpeg-js). */
export async function encodeJpeg(img: Rgba, quality = 90): Promise<Buffer> {
  return jimpOf(img).getBuffer('image/jpeg', { quality });
}

/** Re-encodes an image as a GIF with jimp (which quantizes to 256 colours). */
export async function toGifWithJimp(img: Rgba): Promise<Buffer> {
  return jimpOf(img).getBuffer('image/gif');
}

/** An APP1 segment holding EXIF with one tag: Orientation (0x0112). */
export function exifOrientationSegment(orientation: number, bigEndian = false): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  const u16 = (v: number, at: number) => (bigEndian ? tiff.writeUInt16BE(v, at) : tiff.writeUInt16LE(v, at));
  const u32 = (v: number, at: number) => (bigEndian ? tiff.writeUInt32BE(v, at) : tiff.writeUInt32LE(v, at));
  tiff.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(1, 8); // one entry
  u16(0x0112, 10);
  u16(SHORT, 12);
  u32(1, 14);
  u16(orientation, 18);
  u32(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Inserts a segment right after SOI. */
export function insertAfterSoi(jpeg: Uint8Array, segment: Uint8Array): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** Offsets of each marker segment before the first SOS: [marker, offset of 0xFF]. */
export function jpegSegments(jpeg: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] as number;
    out.push([marker, at]);
    if (marker === 0xda) break;
    at += 2 + (((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number));
  }
  return out;
}

/** Rewrites the frame header (SOFn) to claim other dimensions; the scan data stays as it was. */
export function setJpegSize(jpeg: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  const sof = jpegSegments(out).find(
    ([m]) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc,
  );
  if (!sof) throw new Error('no SOF segment');
  out.writeUInt16BE(height, sof[1] + 5);
  out.writeUInt16BE(width, sof[1] + 7);
  return out;
}

/** Changes the SOF marker type (e.g. 0xc9 arithmetic, 0xc3 lossless) keeping the rest. */
export function setJpegFrameType(jpeg: Uint8Array, marker: number): Buffer {
  const out = Buffer.from(jpeg);
  const sof = jpegSegments(out).find(
    ([m]) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc,
  );
  if (!sof) throw new Error('no SOF segment');
  out[sof[1] + 1] = marker;
  return out;
}

// ---------------------------------------------------------------- orientation

/**
 * The stored pixels that display as `upright` under an EXIF orientation (1–8): the inverse of the
 * transform a viewer applies. Written from the EXIF specification, independently of the decoder.
 */
export function storedForOrientation(upright: Rgba, orientation: number): Rgba {
  const { width: w, height: h } = upright;
  const swap = orientation >= 5;
  const sw = swap ? h : w;
  const sh = swap ? w : h;
  // For each stored pixel (x, y): which upright pixel it shows.
  const source = (x: number, y: number): [number, number] => {
    switch (orientation) {
      case 2: // mirrored horizontally
        return [w - 1 - x, y];
      case 3: // rotated 180°
        return [w - 1 - x, h - 1 - y];
      case 4: // mirrored vertically
        return [x, h - 1 - y];
      case 5: // transposed
        return [y, x];
      case 6: // viewer rotates 90° clockwise, so stored is upright turned 90° counter-clockwise
        return [w - 1 - y, x];
      case 7: // transversed
        return [w - 1 - y, h - 1 - x];
      case 8: // viewer rotates 90° counter-clockwise, so stored is upright turned 90° clockwise
        return [y, h - 1 - x];
      default:
        return [x, y];
    }
  };
  const data = new Uint8Array(sw * sh * 4);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const [ux, uy] = source(x, y);
      data.set(upright.data.subarray((uy * w + ux) * 4, (uy * w + ux) * 4 + 4), (y * sw + x) * 4);
    }
  }
  return { width: sw, height: sh, data };
}

/** Mean absolute difference per RGB sample between two same-sized images (Infinity if sizes differ). */
export function meanAbsDiff(a: Rgba, b: Rgba): number {
  if (a.width !== b.width || a.height !== b.height) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs((a.data[i + c] as number) - (b.data[i + c] as number));
  }
  return sum / (a.width * a.height * 3);
}
