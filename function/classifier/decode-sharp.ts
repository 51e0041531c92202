import type SharpModule from 'sharp';
import { decodeWithJimp } from './decode-jimp';
import type { Decoder } from './decoder';
import { ErrorCode, ImageError, LambdaVisionError } from './errors';
import { decodedFormatById } from './formats/index';
import { moduleRequire } from './module-require';

// A variable specifier, like tfjs-node's: sharp is a native package the Lambda bundle must not contain;
// whoever picks this decoder provides it (node_modules locally, a layer on Lambda).
const SHARP = 'sharp';

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
    const format = decodedFormatById(header.format);
    const hooks = format.decoders.sharp;
    // Formats the prebuilt libvips cannot read (BMP) go to jimp.
    if (!hooks) return decodeWithJimp(bytes, header, limits);
    if (hooks.assertReads) hooks.assertReads('layout' in header ? header.layout : format.walk(bytes, limits));
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
        decoder: 'sharp',
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
        `the ${format.name} file is damaged or truncated (${reason})`,
        { cause },
      );
    }
  };
}
