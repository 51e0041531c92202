import type { Sharp, default as SharpModule } from 'sharp';
import { decodeWithJimp } from './decode-jimp';
import type { Decoder, InputDecoder, InputGeometry } from './decoder';
import { ErrorCode, ImageError, LambdaVisionError } from './errors';
import { decodedFormatById } from './formats/index';
import type { ImageHeader, ImageLimits, InspectedImage } from './image-probe';
import { moduleRequire } from './module-require';
import type { ResizeMode } from './preprocess';

// A variable specifier, like tfjs-node's: sharp is a native package the Lambda bundle must not contain;
// whoever picks this decoder provides it (node_modules locally, a layer on Lambda).
const SHARP = 'sharp';

/** How each resize mode of the manifest is asked of libvips when sharp makes the model's input. */
const FIT: Record<ResizeMode, { fit: 'cover' | 'fill'; position?: 'centre' }> = {
  // Scale the short side to the input, then cut the centre: the largest central square, resized.
  'center-crop': { fit: 'cover', position: 'centre' },
  // The whole image onto the input, aspect ratio ignored.
  stretch: { fit: 'fill' },
};

/**
 * The resampling kernel for the model's input. Lanczos 3 (sharp's default, what the bench's peer uses):
 * on the shared test images its top-5 stayed closest to the box + bilinear path it replaces (see README,
 * "Preprocessing"), and it is the kernel libvips tunes its reduce for.
 */
const KERNEL = 'lanczos3';

/** What `loadSharpDecoder` makes for one model input. */
export interface SharpDecoders {
  /** The whole image, upright RGBA, reduced to at least twice the model's input on each side. */
  decode: Decoder;
  /** The model's input itself (crop or stretch to its size, RGB, transparency on white). */
  decodeInput: InputDecoder;
}

/**
 * Loads sharp (failing with BACKEND_UNAVAILABLE when it is absent) and returns a maker of decoders for a
 * model input. For JPEG, libjpeg decodes at 1/2, 1/4 or 1/8 scale (shrink-on-load), so a 12 MP photo never
 * exists as a full-size bitmap: decoding is several times faster and the buffer a few hundred KB instead of
 * ~48 MB. `decodeInput` goes further and lets libvips cut and resize to the input, so no bitmap of the
 * whole image reaches JavaScript at all.
 */
export function loadSharpDecoder(): (target: InputGeometry) => SharpDecoders {
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
  // One libvips thread per image: a shrink-on-load decode is mostly libjpeg's single-threaded work, and a
  // second thread cost more CPU than it saved (2 MP JPEG: 14-16 ms of CPU with one, 17-26 ms with two, the
  // same wall time). CPU time is what Lambda bills below one vCPU; parallel images use workers (--jobs).
  sharp.concurrency(1);

  /**
   * Runs `produce` on a sharp pipeline over the bytes, or hands the formats the prebuilt libvips cannot read
   * (BMP) to jimp; libvips' errors become CORRUPT_IMAGE or IMAGE_TOO_LARGE.
   */
  function withPipeline<T>(
    bytes: Uint8Array,
    header: ImageHeader | InspectedImage,
    limits: ImageLimits,
    produce: (pipeline: Sharp) => Promise<T>,
  ) {
    const format = decodedFormatById(header.format);
    const hooks = format.decoders.sharp;
    if (!hooks) return decodeWithJimp(bytes, header, limits);
    if (hooks.assertReads) hooks.assertReads('layout' in header ? header.layout : format.walk(bytes, limits));
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // limitInputPixels repeats the header check inside libvips, which reads the header itself.
    const pipeline = sharp(buffer, { limitInputPixels: limits.maxPixels, failOn: 'error', autoOrient: true });
    return produce(pipeline).catch((cause: unknown) => {
      // libvips answers in several lines of its own jargon: keep one line of it, after our sentence.
      const reason = (cause instanceof Error ? cause.message : String(cause))
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200);
      if (/pixel limit/i.test(reason)) {
        throw new ImageError(
          ErrorCode.IMAGE_TOO_LARGE,
          `the image is over the limit of ${limits.maxPixels} pixels`,
          { cause },
        );
      }
      throw new ImageError(
        ErrorCode.CORRUPT_IMAGE,
        `the ${format.name} file is damaged or truncated (${reason})`,
        { cause },
      );
    });
  }

  return (target) => ({
    decode: (bytes, header, limits) =>
      withPipeline(bytes, header, limits, async (pipeline) => {
        const meta = await pipeline.metadata();
        // At least twice the input on each side: what the box pre-shrink in preprocessing keeps.
        const { data, info } = await pipeline
          .resize({
            width: target.width * 2,
            height: target.height * 2,
            fit: 'outside',
            withoutEnlargement: true,
          })
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
          decoder: 'sharp' as const,
        };
      }),
    decodeInput: (bytes, header, limits) =>
      withPipeline(bytes, header, limits, async (pipeline) => {
        const meta = await pipeline.metadata();
        const { data, info } = await pipeline
          .resize({ width: target.width, height: target.height, ...FIT[target.resize], kernel: KERNEL })
          // A viewer shows transparency on white; so does the whole-image path (preprocess.ts).
          .flatten({ background: '#ffffff' })
          .toColourspace('srgb')
          .raw({ depth: 'uchar' })
          .toBuffer({ resolveWithObject: true });
        if (
          info.channels !== 3 ||
          info.width !== target.width ||
          info.height !== target.height ||
          data.length !== info.width * info.height * 3
        ) {
          throw new Error(
            `libvips returned ${info.width}×${info.height}×${info.channels} in ${data.length} bytes for a ${target.width}×${target.height} RGB input`,
          );
        }
        return {
          width: info.width,
          height: info.height,
          channels: 3 as const,
          data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
          original: { width: meta.autoOrient.width, height: meta.autoOrient.height },
          decoder: 'sharp' as const,
        };
      }),
  });
}
