import type SharpModule from 'sharp';
import { decodeImage, type RgbaImage } from './decode';
import { ErrorCode, ImageError, LambdaVisionError } from './errors';
import { FORMAT_NAMES } from './formats/reader';
import type { ImageFormat, ImageHeader, ImageLimits } from './image-probe';
import { moduleRequire } from './module-require';

export const DECODERS = ['jimp', 'sharp'] as const;
export type DecoderName = (typeof DECODERS)[number];

/** Pixels of one image, possibly already shrunk; `original` is its full size, upright (EXIF applied). */
export interface DecodedImage extends RgbaImage {
  original?: { width: number; height: number };
}

export type Decoder = (bytes: Uint8Array, header: ImageHeader, limits: ImageLimits) => Promise<DecodedImage>;

// A variable specifier, like tfjs-node's: sharp is a native package the Lambda bundle must not contain;
// whoever picks this decoder provides it (node_modules locally, a layer on Lambda).
const SHARP = 'sharp';

// The prebuilt libvips in sharp reads these; it has no BMP loader, so BMP goes to jimp.
const SHARP_FORMATS: ReadonlySet<ImageFormat> = new Set(['jpg', 'png', 'gif', 'tiff']);

/**
 * Loads sharp (failing with BACKEND_UNAVAILABLE when it is absent) and returns a maker of decoders that
 * ask libvips for the image already reduced to at least twice the model's input on each side (what the
 * box pre-shrink in preprocessing keeps). For JPEG, libjpeg then decodes at 1/2, 1/4 or 1/8 scale
 * (shrink-on-load), so a 12 MP photo never exists as a full-size bitmap: decoding is several times faster
 * and the RGBA buffer is a few hundred KB instead of ~48 MB.
 */
export function loadSharpDecoder(): (target: { width: number; height: number }) => Decoder {
  let sharp: typeof SharpModule;
  try {
    sharp = moduleRequire(SHARP) as typeof SharpModule;
  } catch (cause) {
    throw new LambdaVisionError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `decoder "sharp" needs the ${SHARP} package (a layer on Lambda); it could not be loaded: ${String(cause)}`,
      { cause },
    );
  }
  // libvips' operation cache would serve a repeated image from memory: one image per call, nothing to reuse.
  sharp.cache(false);

  return (target) => async (bytes, header, limits) => {
    const width = target.width * 2;
    const height = target.height * 2;
    if (!SHARP_FORMATS.has(header.format)) return decodeImage(bytes, header, limits);
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      // limitInputPixels repeats the header check inside libvips, which reads the header itself.
      const pipeline = sharp(buffer, {
        limitInputPixels: limits.maxPixels,
        failOn: 'error',
        autoOrient: true,
      });
      const meta = await pipeline.metadata();
      const { data, info } = await pipeline
        .resize({ width, height, fit: 'outside', withoutEnlargement: true })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 4 || data.length < info.width * info.height * 4) {
        throw new Error(`libvips returned ${info.channels} channels of ${data.length} bytes`);
      }
      return {
        width: info.width,
        height: info.height,
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        original: { width: meta.autoOrient.width, height: meta.autoOrient.height },
      };
    } catch (cause) {
      // libvips answers in several lines of its own jargon: keep one line of it, after our sentence.
      const reason = (cause instanceof Error ? cause.message : String(cause))
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200);
      if (/pixel limit/i.test(reason)) {
        throw new ImageError(
          ErrorCode.IMAGE_TOO_LARGE,
          `the image is over the limit of ${limits.maxPixels} pixels`,
          {
            cause,
          },
        );
      }
      throw new ImageError(
        ErrorCode.CORRUPT_IMAGE,
        `the ${FORMAT_NAMES[header.format]} file is damaged or truncated (${reason})`,
        { cause },
      );
    }
  };
}
