import type { FormatDecoders } from './formats/index';
import type { Dimensions } from './formats/reader';
import type { ImageHeader, ImageLimits, InspectedImage } from './image-probe';
import type { PreprocessSpec } from './preprocess';

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

/** The geometry of a model's input: what a decoder needs to make that input itself. */
export type InputGeometry = Pick<PreprocessSpec, 'width' | 'height' | 'resize'>;

/**
 * The model's input made by the decoder while decoding (centre crop or stretch to the input size), so
 * preprocessing only normalises: RGB, 3 bytes a pixel, transparency already flattened onto white.
 */
export interface FittedImage {
  width: number;
  height: number;
  channels: 3;
  data: Uint8Array;
  /** The image's full size, upright. */
  original: { width: number; height: number };
  decoder: DecoderName;
}

/**
 * A decoder that makes the model's input itself where it can (sharp); where it cannot (a format it hands
 * to jimp) it answers with the whole image, as a `Decoder` does, and preprocessing crops and resizes.
 */
export type InputDecoder = (
  bytes: Uint8Array,
  header: ImageHeader | InspectedImage,
  limits: ImageLimits,
) => Promise<FittedImage | DecodedImage>;

export const isFitted = (image: FittedImage | RgbaImage): image is FittedImage => 'channels' in image;
