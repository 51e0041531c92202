import type { DecodedImage, RgbaImage } from './decoder';
import { ErrorCode, ImageError, LambdaVisionError } from './errors';
import { decodedFormatById, type JimpHooks } from './formats/index';
import type { Dimensions } from './formats/reader';
import type { ImageHeader, ImageLimits, InspectedImage } from './image-probe';

interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array;
}

interface Codec {
  mime: string;
  decode?: (data: Buffer, options?: Record<string, unknown>) => Bitmap | Promise<Bitmap>;
}

let codecs: Promise<Map<string, Codec>> | undefined;

/**
 * jimp's own codecs (pure JavaScript: jpeg-js, pngjs, omggif, bmp-ts, utif2), called directly for the
 * format the probe verified. Jimp.fromBuffer would sniff the type again (and refuses APNG, which it
 * tells apart from PNG, and TIFF-based camera raws) and parse EXIF with a second, unguarded parser.
 * They are jimp's default formats, imported from their own packages rather than from `jimp`, whose
 * image-editing plugins would be 2.5 MB of the function bundle; and imported (jimp-codecs.ts, a file of
 * its own in the Lambda build) on the first image they decode, since with the sharp decoder attached most
 * functions never do.
 */
async function codecFor(name: string, hooks: JimpHooks<Dimensions> | undefined): Promise<Codec> {
  codecs ??= import('./jimp-codecs').then(
    ({ jimpCodecs }) => new Map((jimpCodecs() as Codec[]).map((c) => [c.mime, c])),
    (cause: unknown) => {
      codecs = undefined; // the next image tries again
      throw new LambdaVisionError(
        ErrorCode.UNEXPECTED,
        `jimp's codecs could not be loaded (jimp-codecs.cjs beside the function's entry.js): ${textOf(cause)}`,
        { cause },
      );
    },
  );
  const codec = hooks && (await codecs).get(hooks.mime);
  if (!codec?.decode) throw new ImageError(ErrorCode.UNSUPPORTED_FORMAT, `no decoder for ${name}`);
  return codec;
}

/** The text of whatever a decoder threw: some throw strings, numbers or plain objects. */
function textOf(cause: unknown): string {
  const text =
    cause instanceof Error
      ? cause.message
      : typeof cause === 'object'
        ? JSON.stringify(cause)
        : String(cause);
  return (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * The decoder's own words when they are meant for people ("marker was not found", "Invalid block size");
 * nothing when they are JavaScript's (a TypeError on `undefined`, a bounds RangeError, a bare number).
 */
function decoderWords(cause: unknown): string | undefined {
  if (cause instanceof TypeError || cause instanceof ReferenceError || cause instanceof RangeError)
    return undefined;
  if (!(cause instanceof Error) && typeof cause !== 'string') return undefined;
  const text = textOf(cause);
  return /[a-z]{3}/i.test(text) && !/undefined|NaN|\[object /.test(text) ? text : undefined;
}

const MEMORY_FAILURE = /allocation failed|invalid (typed )?array length|buffer larger than|limit exceeded/i;

function decodeFailure(name: string, cause: unknown): LambdaVisionError {
  if (cause instanceof LambdaVisionError) return cause;
  const text = textOf(cause);
  if (cause instanceof RangeError && /call stack/i.test(text)) {
    return new ImageError(
      ErrorCode.CORRUPT_IMAGE,
      `the ${name} file is damaged: its structure nests without end`,
      {
        cause,
      },
    );
  }
  if (
    MEMORY_FAILURE.test(text) ||
    (cause as { code?: string } | undefined)?.code === 'ERR_BUFFER_TOO_LARGE'
  ) {
    return new ImageError(
      ErrorCode.IMAGE_TOO_LARGE,
      `the ${name} file needs more memory to decode than the limits allow`,
      {
        cause,
      },
    );
  }
  const words = decoderWords(cause);
  return new ImageError(
    ErrorCode.CORRUPT_IMAGE,
    `the ${name} file is damaged or incomplete and cannot be decoded${words ? ` (decoder: ${words})` : ''}`,
    { cause },
  );
}

/**
 * Decodes with jimp's codecs (pure JavaScript: no native code to build for Lambda): JPEG, PNG (APNG: its
 * default image), BMP, GIF (first frame) and TIFF (first page), as 8-bit RGBA. Grayscale, palette and
 * 16-bit images become 8-bit RGBA; a JPEG's EXIF orientation is applied. Whatever a decoder throws comes
 * out as an ImageError with a stable code.
 */
export async function decodeWithJimp(
  bytes: Uint8Array,
  header: ImageHeader | InspectedImage,
  limits: ImageLimits,
): Promise<DecodedImage> {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = decodedFormatById(header.format);
  const hooks = format.decoders.jimp;
  const codec = await codecFor(format.name, hooks);
  let bitmap: Bitmap;
  try {
    // The header walk, read once by the probe; read here only for a header built by hand.
    const layout = 'layout' in header ? header.layout : format.walk(buffer, limits);
    // What the probe does not check because it depends on the decoder: the variants jimp's codecs cannot
    // read (refused by name), the output of compressed data they would inflate without a ceiling, and
    // the TIFF rewrite to its first page.
    const input = hooks?.prepare ? hooks.prepare(buffer, layout, limits) : buffer;
    const decode = codec.decode as NonNullable<Codec['decode']>;
    bitmap = await decode(input, hooks?.options?.(limits));
  } catch (cause) {
    throw decodeFailure(format.name, cause);
  }
  const image = checkBitmap(header, format.name, bitmap, limits);
  const upright = hooks?.orientation ? applyOrientation(image, hooks.orientation(buffer)) : image;
  return { ...upright, decoder: 'jimp' };
}

function checkBitmap(
  header: ImageHeader,
  name: string,
  bitmap: Bitmap | undefined,
  limits: ImageLimits,
): RgbaImage {
  const width = bitmap?.width ?? 0;
  const height = bitmap?.height ?? 0;
  if (
    !bitmap?.data ||
    !Number.isSafeInteger(width) ||
    !Number.isSafeInteger(height) ||
    width < 1 ||
    height < 1 ||
    bitmap.data.length < width * height * 4
  ) {
    throw new ImageError(ErrorCode.CORRUPT_IMAGE, `the ${name} file decodes to no pixels`);
  }
  if (width * height > limits.maxPixels) {
    throw new ImageError(
      ErrorCode.IMAGE_TOO_LARGE,
      `the image decodes to ${width}×${height}, over the limit of ${limits.maxPixels} pixels`,
    );
  }
  if (width !== header.width || height !== header.height) {
    throw new ImageError(
      ErrorCode.CORRUPT_IMAGE,
      `the ${name} file is damaged: its header says ${header.width}×${header.height} but it decodes to ${width}×${height}`,
    );
  }
  const data = bitmap.data;
  return {
    width,
    height,
    data: data.length === width * height * 4 ? data : data.subarray(0, width * height * 4),
  };
}

/**
 * Turns stored pixels into the upright picture for an EXIF orientation (1–8). For each output pixel, the
 * stored pixel it shows (w, h: stored size); 5–8 swap width and height.
 */
const ORIENTATIONS: Record<number, (x: number, y: number, w: number, h: number) => number> = {
  2: (x, y, w) => y * w + (w - 1 - x), // mirrored horizontally
  3: (x, y, w, h) => (h - 1 - y) * w + (w - 1 - x), // rotated 180°
  4: (x, y, w, h) => (h - 1 - y) * w + x, // mirrored vertically
  5: (x, y, w) => x * w + y, // transposed
  6: (x, y, w, h) => (h - 1 - x) * w + y, // rotated 90° clockwise to display
  7: (x, y, w, h) => (h - 1 - x) * w + (w - 1 - y), // transversed
  8: (x, y, w) => x * w + (w - 1 - y), // rotated 90° counter-clockwise to display
};

export function applyOrientation(image: RgbaImage, orientation: number): RgbaImage {
  const source = ORIENTATIONS[orientation];
  if (!source) return image;
  const { width: w, height: h } = image;
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;
  // One 32-bit word a pixel; copy first if the decoder's buffer is not 4-byte aligned.
  const aligned = image.data.byteOffset % 4 === 0 ? image.data : image.data.slice();
  const from = new Uint32Array(aligned.buffer, aligned.byteOffset, w * h);
  const to = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) to[y * width + x] = from[source(x, y, w, h)] as number;
  }
  return { width, height, data: new Uint8Array(to.buffer) };
}
