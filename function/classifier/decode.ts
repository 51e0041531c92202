import { Jimp } from 'jimp';
import { ErrorCode, ImageError } from './errors';
import type { ImageHeader, ImageLimits } from './image-probe';

/** Decoded pixels: RGBA, 8 bits a channel, row-major, EXIF orientation already applied. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes with jimp (pure JavaScript: no native code to build for Lambda). Jimp reads JPEG, PNG, BMP,
 * GIF (first frame) and TIFF (first page), turns grayscale, palette and 16-bit images into 8-bit RGBA
 * and applies the EXIF orientation.
 */
export async function decodeImage(
  bytes: Uint8Array,
  header: ImageHeader,
  limits: ImageLimits,
): Promise<RgbaImage> {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let image: Awaited<ReturnType<typeof Jimp.fromBuffer>>;
  try {
    image = await Jimp.fromBuffer(buffer, {
      // jpeg-js keeps its own ceilings; align them with ours so a lying header cannot slip past.
      'image/jpeg': {
        maxResolutionInMP: Math.ceil(limits.maxPixels / 1e6),
        maxMemoryUsageInMB: Math.ceil((limits.maxPixels * 8) / 2 ** 20) + 64,
      },
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ImageError(
      ErrorCode.CORRUPT_IMAGE,
      `the ${header.format.toUpperCase()} data cannot be decoded: ${reason}`,
      { cause },
    );
  }
  const { width, height, data } = image.bitmap;
  if (width < 1 || height < 1 || data.length < width * height * 4) {
    throw new ImageError(
      ErrorCode.CORRUPT_IMAGE,
      `the ${header.format.toUpperCase()} data decodes to no pixels`,
    );
  }
  if (width * height > limits.maxPixels) {
    throw new ImageError(
      ErrorCode.IMAGE_TOO_LARGE,
      `the image decodes to ${width}×${height}, over the limit of ${limits.maxPixels} pixels`,
    );
  }
  return { width, height, data };
}
