import { imageSize } from 'image-size';
import { ErrorCode, ImageError } from './errors';
import { inspectBmp } from './formats/bmp';
import { inspectGif } from './formats/gif';
import { inspectJpeg } from './formats/jpeg';
import { inspectPng } from './formats/png';
import { ascii, type Dimensions, FORMAT_NAMES, SUPPORTED_HINT } from './formats/reader';
import { inspectTiff } from './formats/tiff';

/** Formats the decoder reads. Keys are image-size's type names. */
export const DECODABLE_FORMATS = ['jpg', 'png', 'bmp', 'gif', 'tiff'] as const;
export type ImageFormat = (typeof DECODABLE_FORMATS)[number];

export interface ImageLimits {
  /** Largest encoded size accepted, in bytes. */
  maxBytes: number;
  /** Largest decoded size accepted, in pixels (width × height), checked from the header. */
  maxPixels: number;
}

// 25 MiB covers any camera JPEG; 40 MP covers phone cameras up to 7680×5120 while keeping the decoded
// RGBA bitmap (4 bytes a pixel) near 160 MB, well inside a 2 GB Lambda.
export const DEFAULT_LIMITS: ImageLimits = { maxBytes: 25 * 1024 * 1024, maxPixels: 40_000_000 };

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Signatures of things people upload that are not images we decode, to say what they are. */
const KNOWN_OTHERS: Array<[string, (b: Uint8Array) => boolean]> = [
  ['PDF', (b) => ascii(b, 0, 5) === '%PDF-'],
  ['SVG', (b) => /<svg[\s>]/i.test(ascii(b, 0, 1024))],
  ['HEIC/AVIF', (b) => ascii(b, 4, 8) === 'ftyp'],
  ['WebP', (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP'],
  ['ZIP', (b) => ascii(b, 0, 4) === 'PK\u0003\u0004'],
  ['BigTIFF', (b) => ascii(b, 0, 4) === 'II+\u0000' || ascii(b, 0, 4) === 'MM\u0000+'],
];

/** image-size's names for formats people know by another name. */
const TYPE_NAMES: Record<string, string> = {
  'jxl-stream': 'JPEG XL',
  jxl: 'JPEG XL',
  jp2: 'JPEG 2000',
  j2c: 'JPEG 2000',
  heif: 'HEIF',
  icns: 'Apple icon (ICNS)',
  ico: 'Windows icon (ICO)',
  cur: 'Windows cursor (CUR)',
  psd: 'Photoshop (PSD)',
  pnm: 'Netpbm (PNM)',
};

/** Leading bytes of each decodable format: a match means the file is that format, even if damaged. */
const MAGIC: Array<[ImageFormat, (b: Uint8Array) => boolean]> = [
  ['jpg', (b) => b[0] === 0xff && b[1] === 0xd8],
  ['png', (b) => ascii(b, 1, 4) === 'PNG'],
  ['bmp', (b) => ascii(b, 0, 2) === 'BM'],
  ['gif', (b) => ascii(b, 0, 4) === 'GIF8'],
  ['tiff', (b) => ascii(b, 0, 4) === 'II*\u0000' || ascii(b, 0, 4) === 'MM\u0000*'],
];

/**
 * Per-format header walks: dimensions first (so a bomb is refused before anything else is read), then
 * every field the decoder would trust to size a buffer or bound a loop.
 */
const INSPECT: Record<ImageFormat, (bytes: Uint8Array, limits: ImageLimits) => Dimensions> = {
  jpg: (bytes, limits) => inspectJpeg(bytes, limits),
  png: inspectPng,
  gif: inspectGif,
  bmp: inspectBmp,
  tiff: inspectTiff,
};

function notDecodable(bytes: Uint8Array): ImageError {
  const other = KNOWN_OTHERS.find(([, test]) => test(bytes))?.[0];
  if (other)
    return new ImageError(ErrorCode.UNSUPPORTED_FORMAT, `${other} is not supported: ${SUPPORTED_HINT}`);
  let type: string | undefined;
  try {
    type = imageSize(bytes).type;
  } catch {
    type = undefined;
  }
  if (type) {
    return new ImageError(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${TYPE_NAMES[type] ?? type.toUpperCase()} images are not supported: ${SUPPORTED_HINT}`,
    );
  }
  return new ImageError(ErrorCode.UNSUPPORTED_FORMAT, `not a recognised image: ${SUPPORTED_HINT}`);
}

/**
 * Reads format and pixel dimensions from the header alone, before any decoding, and enforces the limits:
 * a 50000×50000 PNG of a few KB is refused here in microseconds instead of allocating 10 GB. Header fields
 * the decoders would trust blindly (counts, offsets, frame and tile sizes, scan counts) are checked too.
 */
export function probeImage(bytes: Uint8Array, limits: ImageLimits = DEFAULT_LIMITS): ImageHeader {
  if (bytes.length === 0) throw new ImageError(ErrorCode.EMPTY_IMAGE, 'the file is empty (0 bytes)');
  if (bytes.length > limits.maxBytes) {
    throw new ImageError(
      ErrorCode.IMAGE_TOO_LARGE,
      `the file is ${bytes.length} bytes, over the limit of ${limits.maxBytes} bytes`,
    );
  }
  const format = MAGIC.find(([, test]) => test(bytes))?.[0];
  if (!format) throw notDecodable(bytes);
  let size: Dimensions;
  try {
    size = INSPECT[format](bytes, limits);
  } catch (cause) {
    if (cause instanceof ImageError) throw cause;
    // A header walk that fails in an unforeseen way still ends in a coded refusal, cause kept.
    throw new ImageError(ErrorCode.CORRUPT_IMAGE, `the ${FORMAT_NAMES[format]} header cannot be read`, {
      cause,
    });
  }
  return { format, width: size.width, height: size.height };
}
