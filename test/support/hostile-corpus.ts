import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type SharpModule from 'sharp';
import type { Classifier } from '../../function/classifier';
import { ErrorCode, isImageError } from '../../function/classifier';
import {
  encodeBmp,
  encodeGif,
  encodeJpeg,
  encodeTiff,
  exifOrientationSegment,
  gifOf,
  gradient,
  grayPng,
  ihdr,
  indexColours,
  insertAfterSoi,
  jpegSegments,
  PNG_SIGNATURE,
  palettePng,
  pngChunk,
  quadrants,
  type Rgba,
  rgb16Png,
  rgbaPng,
  setJpegFrameType,
  setJpegSize,
  storedForOrientation,
  type TiffPage,
  tiffLzw,
  tiffPage,
} from './image-writers';

/**
 * The hostile-input corpus: every kind of file people drop into an upload bucket, built in memory on each
 * run (nothing binary is committed). Each case says what must happen: it classifies, or it is refused with
 * one stable code.
 */

export const IMAGE_CODES = [
  ErrorCode.EMPTY_IMAGE,
  ErrorCode.UNSUPPORTED_FORMAT,
  ErrorCode.CORRUPT_IMAGE,
  ErrorCode.IMAGE_TOO_LARGE,
] as const;
export type ImageCode = (typeof IMAGE_CODES)[number];

export type Expectation = 'classified' | ImageCode;

export interface HostileCase {
  /** File name as it would be uploaded (extensions may lie on purpose). */
  name: string;
  /** What the file is, for people reading a failure. */
  what: string;
  bytes: Uint8Array;
  expect: Expectation;
  /** Decoded (upright) size, for cases that classify. */
  size?: [number, number];
  /** Pixels the decoder must return (RGBA), for lossless cases; `tolerance` is a mean absolute difference. */
  pixels?: Rgba;
  tolerance?: number;
  /** For refusals a particular guard must make: what its message says. */
  message?: RegExp;
  /** What the sharp decoder (libvips) does where it differs from jimp, and why (see SHARP_DIFFERS). */
  sharp?: { expect: Expectation; why: string };
}

/**
 * Where libvips rightly answers differently from jimp's codecs. jimp's guards refuse what its pure-JavaScript
 * codecs would mishandle; libtiff, libpng and libjpeg-turbo read those files within their own bounds.
 */
const SHARP_DIFFERS: Record<string, { expect: Expectation; why: string }> = {
  'tiff-deflate-bomb.tif': { expect: 'classified', why: 'libtiff inflates a strip only up to its pixels' },
  'tiff-lzw-bomb.tif': { expect: 'classified', why: 'libtiff decodes a strip only up to its pixels' },
  'tiff-packbits-bomb.tif': { expect: 'classified', why: 'libtiff decodes a strip only up to its pixels' },
  'interlaced-zlib-bomb.png': { expect: 'classified', why: 'libpng inflates only the rows it needs' },
  'arithmetic.jpg': {
    expect: 'classified',
    why: 'mozjpeg decodes arithmetic coding; this crafted frame type is not detectably damaged',
  },
  'fax.tif': {
    expect: ErrorCode.CORRUPT_IMAGE,
    why: 'fax compression on 8-bit samples is invalid: libtiff reads fax only as 1-bit',
  },
  'cmyk.tif': { expect: 'classified', why: 'libvips converts CMYK to sRGB' },
  'photo.webp': {
    expect: ErrorCode.CORRUPT_IMAGE,
    why: 'libvips reads WebP, and this header holds no VP8 frame',
  },
  'photo.real.webp': { expect: 'classified', why: 'libvips reads WebP' },
};

/** What a case must come to with the given decoder. */
export const expectationFor = (c: HostileCase, decoder: 'jimp' | 'sharp'): Expectation =>
  decoder === 'sharp' ? (c.sharp?.expect ?? c.expect) : c.expect;

/** The test picture: quadrants in four colours, 64×32, every orientation distinguishable. */
export const UPRIGHT = quadrants(64, 32);

/** sharp (a devDependency) writes the variants no hand-written encoder here does; absent, they are skipped. */
export async function loadSharp(): Promise<typeof SharpModule | undefined> {
  try {
    return (await import('sharp')).default;
  } catch {
    return undefined;
  }
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

function withChunkBefore(png: Buffer, type: string, data: Uint8Array, before = 'IDAT'): Buffer {
  const at = png.indexOf(before, 8, 'latin1') - 4;
  return Buffer.concat([png.subarray(0, at), pngChunk(type, data), png.subarray(at)]);
}

/** A PNG header claiming a size, with one small IDAT: a decompression bomb of a few hundred bytes. */
function pngBomb(width: number, height: number): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, 8, 2),
    pngChunk('IDAT', deflateSync(Buffer.alloc(4096))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** Interlaced 16×16 PNG whose IDAT inflates to 64 MB: pngjs has no ceiling for interlaced images. */
function interlacedZlibBomb(): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(16, 16, 8, 2, 1),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64 * 2 ** 20), { level: 9 })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** A PNG whose (well-formed) zlib stream holds only the first 60% of the rows. */
function shortStreamPng(img: Rgba): Buffer {
  const rowBytes = img.width * 4 + 1;
  const rows = Math.floor(img.height * 0.6);
  const raw = Buffer.alloc(rowBytes * rows);
  for (let y = 0; y < rows; y++)
    raw.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), y * rowBytes + 1);
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(img.width, img.height, 8, 6),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** A PNG with a bad CRC on its IHDR chunk. */
function badCrc(png: Buffer): Buffer {
  const out = Buffer.from(png);
  out[8 + 8 + 13 + 3] = (out[8 + 8 + 13 + 3] as number) ^ 0xff;
  return out;
}

/** Replaces the DHT (Huffman table) markers by a marker no decoder knows. */
function corruptJpegMarkers(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  for (const [marker, at] of jpegSegments(out)) if (marker === 0xc4) out[at + 1] = 0x4f;
  return out;
}

/** Repeats the first scan of a progressive JPEG until it has `scans` scans. */
function manyScans(jpeg: Buffer, scans: number): Buffer {
  const segments = jpegSegments(jpeg);
  const sos = segments.find(([m]) => m === 0xda)?.[1];
  if (sos === undefined) throw new Error('no scan');
  let end = sos + 2 + jpeg.readUInt16BE(sos + 2);
  while (
    !(
      jpeg[end] === 0xff &&
      jpeg[end + 1] !== 0 &&
      ((jpeg[end + 1] as number) < 0xd0 || (jpeg[end + 1] as number) > 0xd7)
    )
  )
    end++;
  const scan = jpeg.subarray(sos, end);
  return Buffer.concat([jpeg.subarray(0, end), ...Array<Buffer>(scans).fill(scan), jpeg.subarray(end)]);
}

/** An EXIF segment whose only entry claims 2³²−1 values at an offset outside the segment. */
function lyingExif(): Buffer {
  const seg = exifOrientationSegment(6);
  // entry starts at 4 (APP1 head) + 6 ("Exif\0\0") + 10 (TIFF header + count)
  seg.writeUInt32LE(0xffffffff, 4 + 6 + 10 + 4);
  return seg;
}

function tiffWithTag(page: TiffPage, tag: number, type: 3 | 4, values: number[]): Buffer {
  return encodeTiff([{ ...page, overrides: { ...page.overrides, [tag]: { type, values } } }]);
}

/** A TIFF entry (StripByteCounts here) whose count is 2³²−1: utif2 would loop four billion times. */
function tiffHugeCount(page: TiffPage): Buffer {
  const tiff = encodeTiff([page]);
  const ifd = tiff.readUInt32LE(4);
  const entries = tiff.readUInt16LE(ifd);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + i * 12;
    if (tiff.readUInt16LE(at) === 279) tiff.writeUInt32LE(0xffffffff, at + 4);
  }
  return tiff;
}

/** Two pages whose chain loops: page 2 points back to page 1 (utif2 alone would never stop). */
function tiffPageLoop(pages: TiffPage[]): Buffer {
  const tiff = encodeTiff(pages);
  const first = tiff.readUInt32LE(4);
  const second = tiff.readUInt32LE(first + 2 + tiff.readUInt16LE(first) * 12);
  tiff.writeUInt32LE(first, second + 2 + tiff.readUInt16LE(second) * 12);
  return tiff;
}

/**
 * A 200×200 TIFF (120 000 bytes of pixels) with one short strip that expands to megabytes: within the
 * strip-length check, so only measuring the output catches it (utif2 would inflate Deflate without a
 * ceiling and keep decoding LZW and PackBits past its buffer).
 */
function tiffStripBomb(compression: 'deflate' | 'lzw' | 'packbits'): Buffer {
  const strip =
    compression === 'deflate'
      ? deflateSync(Buffer.alloc(64 * 2 ** 20), { level: 9 })
      : compression === 'lzw'
        ? tiffLzw(Buffer.alloc(16 * 2 ** 20))
        : Buffer.from(new Uint8Array(2 * 65536).map((_, i) => (i % 2 === 0 ? 0x81 : 0)));
  const code = { deflate: 8, lzw: 5, packbits: 32773 }[compression];
  return encodeTiff([{ ...tiffPage(gradient(200, 200)), data: strip, compression: code }]);
}

/** A BMP using 8-bit run-length encoding (RLE8) with a palette. */
function rle8Bmp(img: Rgba): Buffer {
  const { palette, indices } = indexColours(img);
  const rows: number[] = [];
  for (let y = img.height - 1; y >= 0; y--) {
    let x = 0;
    while (x < img.width) {
      const v = indices[y * img.width + x] as number;
      let run = 1;
      while (x + run < img.width && run < 255 && indices[y * img.width + x + run] === v) run++;
      rows.push(run, v);
      x += run;
    }
    rows.push(0, 0);
  }
  rows.push(0, 1);
  const colours = palette.length / 3;
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + colours * 4 + rows.length, 2);
  header.writeUInt32LE(54 + colours * 4, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(img.width, 18);
  header.writeInt32LE(img.height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(8, 28);
  header.writeUInt32LE(1, 30);
  header.writeUInt32LE(rows.length, 34);
  header.writeUInt32LE(colours, 46);
  const table = Buffer.alloc(colours * 4);
  for (let i = 0; i < colours; i++)
    table.set([palette[i * 3 + 2] ?? 0, palette[i * 3 + 1] ?? 0, palette[i * 3] ?? 0, 0], i * 4);
  return Buffer.concat([header, table, Buffer.from(rows)]);
}

function bmpClaiming(width: number, height: number): Buffer {
  const bmp = encodeBmp(quadrants(4, 4));
  bmp.writeInt32LE(width, 18);
  bmp.writeInt32LE(height, 22);
  return bmp;
}

function gifClaiming(width: number, height: number): Buffer {
  const gif = gifOf([quadrants(4, 4)]);
  gif.writeUInt16LE(width, 6);
  gif.writeUInt16LE(height, 8);
  return gif;
}

/** A 10×10 GIF screen whose first frame claims 65535×65535 pixels. */
function gifHugeFrame(): Buffer {
  const { palette, indices } = indexColours(quadrants(10, 10));
  return encodeGif({ width: 10, height: 10, palette, frames: [{ indices, width: 65535, height: 65535 }] });
}

/** An APNG: a PNG with acTL/fcTL chunks (jimp's type sniffing called it unsupported). */
function apng(img: Rgba): Buffer {
  const png = rgbaPng(img);
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(1, 0);
  const fctl = Buffer.alloc(26);
  fctl.writeUInt32BE(img.width, 4);
  fctl.writeUInt32BE(img.height, 8);
  fctl.writeUInt16BE(1, 22);
  fctl.writeUInt16BE(10, 24);
  return withChunkBefore(withChunkBefore(png, 'acTL', actl), 'fcTL', fctl);
}

/** Minimal containers of formats that are not supported, as their first bytes appear in real files. */
const FOREIGN = {
  svg: text(
    '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32"><rect width="64" height="32" fill="red"/></svg>\n',
  ),
  pdf: text(
    '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
  ),
  heic: Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    text('ftypheic'),
    Buffer.from([0, 0, 0, 0]),
    text('mif1heic'),
    Buffer.from([0, 0, 0, 0x10]),
    text('meta'),
    Buffer.alloc(8),
  ]),
  avif: Buffer.concat([
    Buffer.from([0, 0, 0, 0x1c]),
    text('ftypavif'),
    Buffer.from([0, 0, 0, 0]),
    text('avifmif1miaf'),
    Buffer.alloc(16),
  ]),
  webp: Buffer.concat([text('RIFF'), Buffer.from([0x24, 0, 0, 0]), text('WEBPVP8 '), Buffer.alloc(32)]),
  psd: Buffer.concat([
    text('8BPS'),
    Buffer.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 32, 0, 0, 0, 64, 0, 8, 0, 3]),
    Buffer.alloc(64),
  ]),
  ico: (() => {
    const png = rgbaPng(quadrants(16, 16));
    const dir = Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0, 0, 0, 0, 22, 0, 0, 0]);
    dir.writeUInt32LE(png.length, 14);
    return Buffer.concat([dir, png]);
  })(),
  jxl: Buffer.concat([Buffer.from([0xff, 0x0a, 0xfa, 0x7f, 0x01]), Buffer.alloc(32)]),
  zip: Buffer.concat([text('PK\u0003\u0004'), Buffer.alloc(60)]),
  gzip: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x4b, 0x4c, 0x4a, 0x06, 0, 0]),
  html: text(
    '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n',
  ),
  json: text('{"error":"AccessDenied","message":"Access Denied"}\n'),
};

/** Pseudo-random bytes from a fixed seed. */
function noise(length: number, seed = 7): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * Builds the corpus. Needs nothing beyond the repository, except the sharp-made variants (CMYK and
 * grayscale JPEG, progressive JPEG, interlaced PNG, compressed and tiled TIFF, CMYK TIFF), which are left
 * out, and counted in `skipped`, when sharp cannot be loaded.
 */
export async function buildHostileCorpus(): Promise<{ cases: HostileCase[]; skipped: string[] }> {
  const img = UPRIGHT;
  const jpeg = await encodeJpeg(img, 92);
  const photo = await encodeJpeg(gradient(96, 64), 90);
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => cases.push(c);
  const ok = (name: string, what: string, bytes: Uint8Array, extra: Partial<HostileCase> = {}) =>
    add({ name, what, bytes, expect: 'classified', size: [img.width, img.height], ...extra });
  const refused = (name: string, what: string, bytes: Uint8Array, expect: ImageCode, message?: RegExp) =>
    add({ name, what, bytes, expect, message });
  const exact = { pixels: img, tolerance: 0 };
  const twoColours = quadrants(64, 32);
  for (let i = 0; i < twoColours.data.length; i += 4) {
    const dark = (twoColours.data[i] as number) + (twoColours.data[i + 1] as number) < 300;
    twoColours.data.set(dark ? [0, 0, 0, 255] : [255, 255, 255, 255], i);
  }
  const jpegLike = { pixels: img, tolerance: 4 };

  // Nothing, or not an image at all.
  refused('empty.jpg', 'zero bytes', new Uint8Array(0), ErrorCode.EMPTY_IMAGE);
  refused(
    'notes.jpg',
    'plain text named .jpg',
    text('Meeting notes\n- buy milk\n- classify cats\n'),
    ErrorCode.UNSUPPORTED_FORMAT,
  );
  refused('error-page.jpg', 'an HTML error page saved as .jpg', FOREIGN.html, ErrorCode.UNSUPPORTED_FORMAT);
  refused('error.png', 'a JSON error body saved as .png', FOREIGN.json, ErrorCode.UNSUPPORTED_FORMAT);
  refused('random.bin', '4 KB of random bytes', noise(4096), ErrorCode.UNSUPPORTED_FORMAT);
  refused('drawing.svg', 'SVG vector drawing', FOREIGN.svg, ErrorCode.UNSUPPORTED_FORMAT);
  refused('IMG_0001.HEIC', 'HEIC (iPhone) header', FOREIGN.heic, ErrorCode.UNSUPPORTED_FORMAT);
  refused('scan.pdf', 'PDF document', FOREIGN.pdf, ErrorCode.UNSUPPORTED_FORMAT);
  refused('photo.avif', 'AVIF header', FOREIGN.avif, ErrorCode.UNSUPPORTED_FORMAT);
  refused('photo.webp', 'WebP header', FOREIGN.webp, ErrorCode.UNSUPPORTED_FORMAT);
  refused('layers.psd', 'Photoshop document header', FOREIGN.psd, ErrorCode.UNSUPPORTED_FORMAT);
  refused('favicon.ico', 'Windows icon holding a PNG', FOREIGN.ico, ErrorCode.UNSUPPORTED_FORMAT);
  refused('photo.jxl', 'JPEG XL codestream header', FOREIGN.jxl, ErrorCode.UNSUPPORTED_FORMAT);
  refused('photos.zip', 'ZIP archive', FOREIGN.zip, ErrorCode.UNSUPPORTED_FORMAT);
  refused('photo.jpg.gz', 'gzip stream', FOREIGN.gzip, ErrorCode.UNSUPPORTED_FORMAT);

  // Damaged files.
  for (const percent of [10, 50, 90]) {
    refused(
      `truncated-${percent}.jpg`,
      `JPEG cut at ${percent}%`,
      jpeg.subarray(0, Math.floor((jpeg.length * percent) / 100)),
      ErrorCode.CORRUPT_IMAGE,
    );
  }
  refused('soi-only.jpg', 'JPEG start marker and nothing else', jpeg.subarray(0, 2), ErrorCode.CORRUPT_IMAGE);
  refused(
    'bad-markers.jpg',
    'JPEG whose Huffman-table markers are overwritten',
    corruptJpegMarkers(jpeg),
    ErrorCode.CORRUPT_IMAGE,
  );
  refused(
    'no-frame.jpg',
    'JPEG whose frame header (SOF) marker is destroyed',
    setJpegFrameType(jpeg, 0x00),
    ErrorCode.CORRUPT_IMAGE,
  );
  refused(
    'bad-crc.png',
    'PNG with a wrong CRC on its header chunk',
    badCrc(rgbaPng(img)),
    ErrorCode.CORRUPT_IMAGE,
  );
  const png = rgbaPng(img);
  refused('truncated-50.png', 'PNG cut at 50%', png.subarray(0, png.length >> 1), ErrorCode.CORRUPT_IMAGE);
  refused('signature-only.png', 'PNG signature and nothing else', PNG_SIGNATURE, ErrorCode.CORRUPT_IMAGE);
  refused(
    'crlf.png',
    'PNG sent through a text transfer (CRLF in its signature)',
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0d, 0x0a]), png.subarray(6)]),
    ErrorCode.CORRUPT_IMAGE,
  );
  const gif = gifOf([img]);
  refused('truncated-50.gif', 'GIF cut at 50%', gif.subarray(0, gif.length >> 1), ErrorCode.CORRUPT_IMAGE);
  refused(
    'header-only.gif',
    'GIF header and palette, no image',
    gif.subarray(0, 13 + 768),
    ErrorCode.CORRUPT_IMAGE,
  );
  const bmp = encodeBmp(img);
  refused('truncated-50.bmp', 'BMP cut at 50%', bmp.subarray(0, bmp.length >> 1), ErrorCode.CORRUPT_IMAGE);
  const tiff = encodeTiff([tiffPage(img)]);
  refused(
    'truncated-50.tif',
    'TIFF cut at 50% (strip runs past the end)',
    tiff.subarray(0, tiff.length >> 1),
    ErrorCode.CORRUPT_IMAGE,
  );
  refused(
    'tiff-huge-count.tif',
    'TIFF tag declaring 2³²−1 values',
    tiffHugeCount(tiffPage(img)),
    ErrorCode.CORRUPT_IMAGE,
    /run past the end of the file/,
  );
  refused(
    'tiff-strip-outside.tif',
    'TIFF whose strip offset points past the end',
    tiffWithTag(tiffPage(img), 273, 4, [10_000_000]),
    ErrorCode.CORRUPT_IMAGE,
    /runs past the end of the file/,
  );
  for (const compression of ['deflate', 'lzw', 'packbits'] as const) {
    refused(
      `tiff-${compression}-bomb.tif`,
      `200×200 TIFF whose short ${compression} strip expands to megabytes`,
      tiffStripBomb(compression),
      ErrorCode.CORRUPT_IMAGE,
      /expands far beyond/,
    );
  }
  // Within the pixel limit, but with far too little data: decoders would allocate the whole picture.
  refused(
    'flood-6000x6000.png',
    '6000×6000 PNG header over 17 bytes of compressed data',
    Buffer.concat([
      PNG_SIGNATURE,
      ihdr(6000, 6000, 8, 2),
      pngChunk('IDAT', deflateSync(Buffer.alloc(1000))),
      pngChunk('IEND', new Uint8Array(0)),
    ]),
    ErrorCode.CORRUPT_IMAGE,
    /too few/,
  );
  refused(
    'flood-6000x6000.jpg',
    'JPEG whose frame header claims 6000×6000 over 1 KB of image data',
    setJpegSize(jpeg, 6000, 6000),
    ErrorCode.CORRUPT_IMAGE,
    /too few/,
  );
  refused(
    'short-stream.png',
    '600×600 PNG whose compressed stream stops at 60% of its rows (complete chunks, valid CRCs)',
    shortStreamPng(gradient(600, 600)),
    ErrorCode.CORRUPT_IMAGE,
    /ends early/,
  );
  refused(
    'interlaced-zlib-bomb.png',
    'interlaced 16×16 PNG whose data inflates to 64 MB',
    interlacedZlibBomb(),
    ErrorCode.CORRUPT_IMAGE,
    /expands far beyond/,
  );

  // Decompression bombs and size limits: refused from the header.
  for (const [w, h] of [
    [50000, 50000],
    [65500, 65500],
  ] as const) {
    refused(`bomb-${w}x${h}.png`, `PNG header claiming ${w}×${h}`, pngBomb(w, h), ErrorCode.IMAGE_TOO_LARGE);
    refused(
      `bomb-${w}x${h}.jpg`,
      `JPEG header claiming ${w}×${h}`,
      setJpegSize(jpeg, w, h),
      ErrorCode.IMAGE_TOO_LARGE,
    );
  }
  refused(
    'bomb-65535x65535.gif',
    'GIF screen claiming 65535×65535',
    gifClaiming(65535, 65535),
    ErrorCode.IMAGE_TOO_LARGE,
  );
  refused(
    'bomb-frame.gif',
    '10×10 GIF whose first frame claims 65535×65535',
    gifHugeFrame(),
    ErrorCode.IMAGE_TOO_LARGE,
    /first frame claims 65535×65535/,
  );
  refused(
    'bomb-50000x50000.bmp',
    'BMP header claiming 50000×50000',
    bmpClaiming(50000, 50000),
    ErrorCode.IMAGE_TOO_LARGE,
  );
  refused(
    'bomb-65500x65500.tif',
    'TIFF header claiming 65500×65500 (directory right after 3 bytes of pixels)',
    encodeTiff([{ ...tiffPage(quadrants(1, 1)), width: 65500, height: 65500 }]),
    ErrorCode.IMAGE_TOO_LARGE,
  );
  refused(
    'tiff-wide-samples.tif',
    '4000×4000 TIFF with 8 samples of 64 bits a pixel (1 GB to decode)',
    encodeTiff([
      {
        ...tiffPage(quadrants(2, 2)),
        width: 4000,
        height: 4000,
        overrides: { 258: { type: 3, values: Array(8).fill(64) }, 277: { type: 3, values: [8] } },
      },
    ]),
    ErrorCode.IMAGE_TOO_LARGE,
  );
  refused(
    'progressive-bomb.jpg',
    'progressive JPEG with 150 scans',
    manyScans(await progressiveOf(photo), 150),
    ErrorCode.IMAGE_TOO_LARGE,
    /more than 100 scans/,
  );
  refused(
    'over-byte-cap.png',
    'valid 64×32 PNG padded past the 25 MiB byte cap with a private chunk',
    withChunkBefore(png, 'prVt', new Uint8Array(25 * 2 ** 20 + 1)),
    ErrorCode.IMAGE_TOO_LARGE,
  );

  // Valid images in every colour layout, size and container.
  ok('photo.png', 'RGBA PNG', png, exact);
  ok('photo-16bit.png', '16-bit RGB PNG', rgb16Png(img), exact);
  ok('photo-gray.png', '8-bit grayscale PNG', grayPng(img), { pixels: grayOf(img), tolerance: 0 });
  ok('photo-palette.png', 'palette PNG', palettePng(img), exact);
  ok('photo-alpha.png', 'RGBA PNG with a transparent half', rgbaPng(halfTransparent(img)), {
    pixels: halfTransparent(img),
    tolerance: 0,
  });
  ok(
    'photo-palette-trns.png',
    'palette PNG with tRNS transparency',
    palettePng(img, { transparency: new Uint8Array([0]) }),
  );
  ok('animated.png', 'APNG (animated PNG): its default image', apng(img), exact);
  ok(
    'with-text.png',
    'PNG with text and unknown ancillary chunks',
    withChunkBefore(withChunkBefore(png, 'tEXt', text('Comment\0hello')), 'zzZz', noise(100)),
    exact,
  );
  ok('one-pixel.png', '1×1 PNG', rgbaPng(quadrants(1, 1)), { size: [1, 1] });
  ok('one-pixel.gif', '1×1 GIF', gifOf([quadrants(1, 1)]), { size: [1, 1] });
  ok('wide-10000x10.png', '10000×10 PNG', rgbaPng(gradient(10000, 10)), { size: [10000, 10] });
  ok('tall-10x10000.png', '10×10000 PNG', rgbaPng(gradient(10, 10000)), { size: [10, 10000] });
  ok('photo.gif', 'GIF', gif, exact);
  ok(
    'animated.gif',
    'animated GIF (3 frames): the first frame',
    gifOf([img, storedForOrientation(img, 3), img]),
    exact,
  );
  ok('photo.bmp', '24-bit BMP', bmp, exact);
  ok('photo-32bit.bmp', '32-bit BMP', encodeBmp(img, { bits: 32 }), exact);
  ok('top-down.bmp', 'top-down BMP (negative height)', encodeBmp(img, { topDown: true }), exact);
  ok('palette-8bit.bmp', '8-bit palette BMP', encodeBmp(img, { bits: 8 }), exact);
  ok('palette-4bit.bmp', '4-bit palette BMP', encodeBmp(img, { bits: 4 }), exact);
  ok('two-colour.bmp', '1-bit BMP', encodeBmp(twoColours, { bits: 1 }), { pixels: twoColours, tolerance: 0 });
  ok('photo-16bit.bmp', '16-bit (5-5-5) BMP', encodeBmp(img, { bits: 16 }), { pixels: img, tolerance: 8 });
  // bmp-ts decodes RLE bottom-up images with rows out of place and colours shifted: refused by name.
  refused(
    'rle8.bmp',
    '8-bit run-length encoded BMP',
    rle8Bmp(img),
    ErrorCode.UNSUPPORTED_FORMAT,
    /run-length/,
  );
  ok('photo.tif', 'TIFF, RGB', tiff, exact);
  ok('photo-16bit.tif', '16-bit RGB TIFF', encodeTiff([tiffPage(img, { bits: 16 })]), exact);
  ok('photo-alpha.tif', 'RGBA TIFF', encodeTiff([tiffPage(img, { alpha: true })]), exact);
  ok('photo-gray.tif', '8-bit grayscale TIFF', encodeTiff([tiffPage(img, { gray: true })]), {
    pixels: grayOf(img, 1),
    tolerance: 0,
  });
  ok(
    'multi-page.tif',
    'three-page TIFF: the first page',
    encodeTiff([tiffPage(img), tiffPage(gradient(32, 32)), tiffPage(gradient(8, 8))]),
    exact,
  );
  ok(
    'page-loop.tif',
    'two-page TIFF whose page chain loops back',
    tiffPageLoop([tiffPage(img), tiffPage(gradient(8, 8))]),
    exact,
  );
  ok(
    'page2-bomb.tif',
    'TIFF whose second page claims 65500×65500',
    encodeTiff([tiffPage(img), { ...tiffPage(gradient(8, 8)), width: 65500, height: 65500 }]),
    exact,
  );
  ok('photo.jpg', 'baseline JPEG', jpeg, jpegLike);
  ok('trailing-garbage.jpg', 'JPEG followed by 1 KB of junk', Buffer.concat([jpeg, noise(1024)]), jpegLike);
  ok('two-images.jpg', 'two JPEGs back to back', Buffer.concat([jpeg, photo]), jpegLike);
  ok(
    'lying-exif.jpg',
    'JPEG whose EXIF entry claims 2³²−1 values',
    insertAfterSoi(jpeg, lyingExif()),
    jpegLike,
  );
  ok(
    'big-comment.jpg',
    'JPEG with a 60 KB comment segment',
    insertAfterSoi(jpeg, Buffer.concat([Buffer.from([0xff, 0xfe, 0xea, 0x62]), noise(0xea60)])),
    jpegLike,
  );
  ok('photo-is-jpeg.png', 'a JPEG named .png', jpeg, jpegLike);
  ok('photo-is-png.jpg', 'a PNG named .jpg', png, exact);
  ok('photo-is-gif.bmp', 'a GIF named .bmp', gif, exact);
  for (let orientation = 1; orientation <= 8; orientation++) {
    const stored = storedForOrientation(img, orientation);
    ok(
      `exif-orientation-${orientation}.jpg`,
      `JPEG stored turned, with EXIF orientation ${orientation}`,
      insertAfterSoi(
        await encodeJpeg(stored, 92),
        exifOrientationSegment(orientation, orientation % 2 === 0),
      ),
      jpegLike,
    );
  }
  refused(
    'arithmetic.jpg',
    'arithmetic-coded JPEG (SOF9)',
    setJpegFrameType(jpeg, 0xc9),
    ErrorCode.UNSUPPORTED_FORMAT,
  );
  refused('lossless.jpg', 'lossless JPEG (SOF3)', setJpegFrameType(jpeg, 0xc3), ErrorCode.UNSUPPORTED_FORMAT);
  refused(
    'bigtiff.tif',
    'BigTIFF header',
    Buffer.from([0x49, 0x49, 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ErrorCode.UNSUPPORTED_FORMAT,
  );
  refused(
    'fax.tif',
    'CCITT Group 4 fax TIFF',
    tiffWithTag(tiffPage(img, { gray: true }), 259, 3, [4]),
    ErrorCode.UNSUPPORTED_FORMAT,
  );
  refused(
    'os2.bmp',
    'OS/2 BMP (12-byte header)',
    (() => {
      const b = encodeBmp(img);
      b.writeUInt32LE(12, 14);
      return b;
    })(),
    ErrorCode.UNSUPPORTED_FORMAT,
  );

  const skipped: string[] = [];
  const sharp = await loadSharp();
  if (sharp) {
    const raw = (i: Rgba) =>
      sharp(Buffer.from(i.data), { raw: { width: i.width, height: i.height, channels: 4 } });
    // libvips converts to CMYK through an ICC profile; jpeg-js converts back without one, hence the tolerance.
    ok(
      'cmyk.jpg',
      'CMYK JPEG (Adobe)',
      await raw(img).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(),
      { pixels: img, tolerance: 40 },
    );
    ok('gray.jpg', 'grayscale JPEG', await raw(img).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer());
    ok(
      'progressive.jpg',
      'progressive JPEG',
      await raw(img).removeAlpha().jpeg({ quality: 92, progressive: true }).toBuffer(),
      jpegLike,
    );
    ok(
      'interlaced.png',
      'interlaced (Adam7) PNG',
      await raw(img).png({ progressive: true }).toBuffer(),
      exact,
    );
    for (const compression of ['lzw', 'deflate', 'packbits', 'jpeg'] as const) {
      const bytes = await raw(img).removeAlpha().tiff({ compression, quality: 95 }).toBuffer();
      ok(`${compression}.tif`, `${compression} TIFF`, bytes, compression === 'jpeg' ? jpegLike : exact);
    }
    ok(
      'tiled.tif',
      'tiled TIFF (16×16 tiles)',
      await raw(img).removeAlpha().tiff({ tile: true, tileWidth: 16, tileHeight: 16 }).toBuffer(),
      // libvips' own round trip of this file shows the same one-off samples: lossless to ±1.
      { pixels: img, tolerance: 0.5 },
    );
    refused(
      'cmyk.tif',
      'CMYK TIFF',
      await raw(img).toColourspace('cmyk').tiff().toBuffer(),
      ErrorCode.UNSUPPORTED_FORMAT,
    );
    refused(
      'photo.real.webp',
      'WebP made by libwebp',
      await raw(img).webp().toBuffer(),
      ErrorCode.UNSUPPORTED_FORMAT,
    );
  } else {
    skipped.push(
      'cmyk.jpg',
      'gray.jpg',
      'progressive.jpg',
      'interlaced.png',
      'lzw/deflate/packbits/jpeg/tiled.tif',
      'cmyk.tif',
      'photo.real.webp',
    );
  }
  for (const c of cases) c.sharp = SHARP_DIFFERS[c.name];
  return { cases, skipped };
}

/** A progressive JPEG of the same picture (sharp when present, else the baseline is returned as is). */
async function progressiveOf(jpeg: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp ? sharp(jpeg).jpeg({ progressive: true, quality: 90 }).toBuffer() : jpeg;
}

function grayOf(img: Rgba, channel = 1): Rgba {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i += 4)
    data.set(
      [
        img.data[i + channel] as number,
        img.data[i + channel] as number,
        img.data[i + channel] as number,
        255,
      ],
      i,
    );
  return { ...img, data };
}

function halfTransparent(img: Rgba): Rgba {
  const data = Uint8Array.from(img.data);
  for (let i = 3; i < data.length / 2; i += 4) data[i] = 0;
  return { ...img, data };
}

/** Writes the corpus to a folder (for the CLI and handler tests), one file per case; returns the paths. */
export function writeCorpus(dir: string, cases: HostileCase[]): string[] {
  mkdirSync(dir, { recursive: true });
  return cases.map((c) => {
    const file = path.join(dir, c.name);
    writeFileSync(file, c.bytes);
    return file;
  });
}

// ---------------------------------------------------------------- running cases

export type Outcome =
  | { kind: 'classified'; ms: number; width: number; height: number; classId: number }
  | { kind: 'refused'; ms: number; code: ImageCode; message: string }
  | { kind: 'crashed'; ms: number; error: unknown };

/** Messages a person can act on: a sentence, no stack, no leaked internals. */
export function isHumanMessage(message: string): boolean {
  return (
    message.length >= 10 &&
    message.length <= 400 &&
    !/\bat .+:\d+:\d+|\[object |undefined|NaN|\n/.test(message)
  );
}

/** Classifies one file; anything but a result or a coded image error with a readable message is a crash. */
export async function runCase(classifier: Classifier, bytes: Uint8Array): Promise<Outcome> {
  const start = performance.now();
  try {
    const result = await classifier.classify(bytes, { topK: 1 });
    const top = result.predictions[0];
    if (!top) return { kind: 'crashed', ms: performance.now() - start, error: new Error('no prediction') };
    return {
      kind: 'classified',
      ms: performance.now() - start,
      width: result.image.width,
      height: result.image.height,
      classId: top.classId,
    };
  } catch (error) {
    const ms = performance.now() - start;
    if (isImageError(error) && isHumanMessage(error.message)) {
      return { kind: 'refused', ms, code: error.code as ImageCode, message: error.message };
    }
    return { kind: 'crashed', ms, error };
  }
}

/** Counts of a run, and its slowest case. */
export class Tally {
  tried = 0;
  classified = 0;
  crashed = 0;
  readonly refused = new Map<ImageCode, number>();
  slowest = { name: '', ms: 0 };

  add(name: string, outcome: Outcome): void {
    this.tried += 1;
    if (outcome.kind === 'classified') this.classified += 1;
    else if (outcome.kind === 'crashed') this.crashed += 1;
    else this.refused.set(outcome.code, (this.refused.get(outcome.code) ?? 0) + 1);
    if (outcome.ms > this.slowest.ms) this.slowest = { name, ms: outcome.ms };
  }

  get refusedTotal(): number {
    return [...this.refused.values()].reduce((a, b) => a + b, 0);
  }

  /** One line: `tried=… classified=… refused=… (CODE=n, …) crashed=… slowest=name (ms)`. */
  summary(label: string): string {
    const codes = IMAGE_CODES.map((c) => `${c}=${this.refused.get(c) ?? 0}`).join(' ');
    return `${label}: tried=${this.tried} classified=${this.classified} refused=${this.refusedTotal} (${codes}) crashed=${this.crashed} slowest=${this.slowest.name} ${this.slowest.ms.toFixed(1)} ms`;
  }
}
