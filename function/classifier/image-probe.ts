import { imageSize } from 'image-size';
import { ErrorCode, ImageError } from './errors';
import {
  type DecodedFormatDescriptor,
  type FormatDecoders,
  IMAGE_FORMATS,
  IMAGE_SIZE_TYPE_NAMES,
  type ImageFormat,
  SUPPORTED_HINT,
} from './formats/index';
import type { Dimensions } from './formats/reader';
import { DEFAULT_LIMITS, type ImageLimits } from './image-limits';

export type { ImageFormat } from './formats/index';
export { DEFAULT_LIMITS, type ImageLimits } from './image-limits';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * A header read once: what `probeImage` reports, plus the walk's layout (strips, scans, chunks, frame
 * type), handed to the decoder so that it need not read the header again.
 */
export interface InspectedImage extends ImageHeader {
  layout: Dimensions;
}

function notDecodable(bytes: Uint8Array, name: string | undefined): ImageError {
  if (name)
    return new ImageError(ErrorCode.UNSUPPORTED_FORMAT, `${name} is not supported: ${SUPPORTED_HINT}`);
  let type: string | undefined;
  try {
    type = imageSize(bytes).type;
  } catch {
    type = undefined;
  }
  if (type) {
    return new ImageError(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${IMAGE_SIZE_TYPE_NAMES[type] ?? type.toUpperCase()} images are not supported: ${SUPPORTED_HINT}`,
    );
  }
  return new ImageError(ErrorCode.UNSUPPORTED_FORMAT, `not a recognised image: ${SUPPORTED_HINT}`);
}

/**
 * Reads format and pixel dimensions from the header alone, before any decoding, and enforces the limits:
 * a 50000×50000 PNG of a few KB is refused here in microseconds instead of allocating 10 GB. Header fields
 * the decoders would trust blindly (counts, offsets, frame and tile sizes, scan counts) are checked too.
 * The walk's layout comes with the answer, for the decoder.
 */
export function inspectImage(
  bytes: Uint8Array,
  limits: ImageLimits = DEFAULT_LIMITS,
  /** The decoders at hand: a format none of them takes is refused by name before its header is walked. */
  decoders: readonly (keyof FormatDecoders<Dimensions>)[] = ['jimp'],
): InspectedImage {
  if (bytes.length === 0) throw new ImageError(ErrorCode.EMPTY_IMAGE, 'the file is empty (0 bytes)');
  if (bytes.length > limits.maxBytes) {
    throw new ImageError(
      ErrorCode.IMAGE_TOO_LARGE,
      `the file is ${bytes.length} bytes, over the limit of ${limits.maxBytes} bytes`,
    );
  }
  const descriptor = IMAGE_FORMATS.find((f) => f.matches(bytes));
  if (!descriptor?.walk || !decoders.some((d) => descriptor.decoders[d])) {
    throw notDecodable(bytes, descriptor?.name);
  }
  const format = descriptor as DecodedFormatDescriptor<ImageFormat>;
  let layout: Dimensions;
  try {
    layout = format.walk(bytes, limits);
  } catch (cause) {
    if (cause instanceof ImageError) throw cause;
    // A header walk that fails in an unforeseen way still ends in a coded refusal, cause kept.
    throw new ImageError(ErrorCode.CORRUPT_IMAGE, `the ${format.name} header cannot be read`, { cause });
  }
  return { format: format.id, width: layout.width, height: layout.height, layout };
}

/** Format and pixel dimensions from the header alone, limits enforced (see `inspectImage`). */
export function probeImage(
  bytes: Uint8Array,
  limits: ImageLimits = DEFAULT_LIMITS,
  decoders: readonly (keyof FormatDecoders<Dimensions>)[] = ['jimp'],
): ImageHeader {
  const { format, width, height } = inspectImage(bytes, limits, decoders);
  return { format, width, height };
}
