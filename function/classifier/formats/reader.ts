import { ErrorCode, ImageError } from '../errors';
import type { ImageLimits } from '../image-limits';

/*
 * What every header walk shares: bounds-checked reads and the refusals. Errors name the format as people
 * know it ("JPEG"), which each format's descriptor passes in; nothing here knows the table of formats.
 */

export function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
}

/** Bounds-checked little/big-endian reads that throw a CORRUPT_IMAGE naming the format when past the end. */
export class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    /** The format's name as people know it, for messages. */
    readonly format: string,
    public littleEndian = false,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  has(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && offset + size <= this.bytes.length;
  }
  private need(offset: number, size: number): void {
    if (!this.has(offset, size)) throw truncated(this.format);
  }
  u8(offset: number): number {
    this.need(offset, 1);
    return this.view.getUint8(offset);
  }
  u16(offset: number): number {
    this.need(offset, 2);
    return this.view.getUint16(offset, this.littleEndian);
  }
  i32(offset: number): number {
    this.need(offset, 4);
    return this.view.getInt32(offset, this.littleEndian);
  }
  u32(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, this.littleEndian);
  }
}

export const corrupt = (format: string, detail: string): ImageError =>
  new ImageError(ErrorCode.CORRUPT_IMAGE, `the ${format} file is damaged: ${detail}`);

export const truncated = (format: string): ImageError =>
  new ImageError(
    ErrorCode.CORRUPT_IMAGE,
    `the ${format} file is truncated or damaged: its structure ends before the image data`,
  );

/** `what` names the variant, e.g. "a CMYK TIFF"; the format itself is fine, this flavour of it is not. */
export const unsupported = (what: string): ImageError =>
  new ImageError(
    ErrorCode.UNSUPPORTED_FORMAT,
    `${what} is not supported: convert it to 8-bit RGB or grayscale (JPEG, PNG, BMP, GIF or TIFF)`,
  );

export const tooLarge = (message: string): ImageError => new ImageError(ErrorCode.IMAGE_TOO_LARGE, message);

/**
 * The pixel limit, checked as soon as a header gives dimensions: a decompression bomb is refused before
 * anything else about it is read or allocated.
 */
export function assertDimensions(format: string, width: number, height: number, limits: ImageLimits): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw corrupt(format, `its header claims ${width}×${height} pixels`);
  }
  if (width * height > limits.maxPixels) {
    throw tooLarge(
      `the image is ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP), over the limit of ${limits.maxPixels} pixels`,
    );
  }
}

/** Dimensions read from a header, plus what the decoders need to know about the layout. */
export interface Dimensions {
  width: number;
  height: number;
}
