import type { FormatDecoders } from './formats/index';
import type { Dimensions } from './formats/reader';
import type { ImageHeader, ImageLimits, InspectedImage } from './image-probe';

/*
 * The decoder contract. Every decoder runs after the header probe, takes the header it read (with the
 * walk's layout when it comes from `inspectImage`) and returns upright RGBA pixels, or throws an
 * ImageError with a stable code.
 */

/** The decoders a result can report: the decoders the table of formats knows. */
export type DecoderName = keyof FormatDecoders<Dimensions>;
/**
 * What callers choose from: `auto` takes sharp (libvips, shrink-on-load) when it loads, else jimp (pure
 * JavaScript, nothing native to ship).
 */
export const DECODERS = ['auto', 'jimp', 'sharp'] as const;
export type DecoderChoice = (typeof DECODERS)[number];

/** Decoded pixels: RGBA, 8 bits a channel, row-major, EXIF orientation already applied. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Pixels of one image, possibly already shrunk; `original` is its full size, upright (EXIF applied). */
export interface DecodedImage extends RgbaImage {
  original?: { width: number; height: number };
  /** The decoder that produced the pixels (sharp hands the formats libvips lacks to jimp). */
  decoder: DecoderName;
}

export type Decoder = (
  bytes: Uint8Array,
  header: ImageHeader | InspectedImage,
  limits: ImageLimits,
) => Promise<DecodedImage>;
