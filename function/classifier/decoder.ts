import type { ImageHeader, ImageLimits, InspectedImage } from './image-probe';

/*
 * The decoder contract. Every decoder runs after the header probe, takes the header it read (with the
 * walk's layout when it comes from `inspectImage`) and returns upright RGBA pixels, or throws an
 * ImageError with a stable code.
 */

export const DECODERS = ['jimp', 'sharp'] as const;
export type DecoderName = (typeof DECODERS)[number];

/** Decoded pixels: RGBA, 8 bits a channel, row-major, EXIF orientation already applied. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Pixels of one image, possibly already shrunk; `original` is its full size, upright (EXIF applied). */
export interface DecodedImage extends RgbaImage {
  original?: { width: number; height: number };
}

export type Decoder = (
  bytes: Uint8Array,
  header: ImageHeader | InspectedImage,
  limits: ImageLimits,
) => Promise<DecodedImage>;
