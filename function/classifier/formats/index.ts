import { bmpFormat } from './bmp';
import type { DecodedFormatDescriptor, ImageFormatDescriptor } from './descriptor';
import { gifFormat } from './gif';
import { jpegFormat } from './jpeg';
import { NAMED_ONLY_FORMATS } from './named-only';
import { pngFormat } from './png';
import { tiffFormat } from './tiff';
import { webpFormat } from './webp';

/**
 * The table of image formats: one descriptor a row, each in its format's own file (magic bytes,
 * extensions, header walk and limits, decoders). A new format is one file and one row here.
 */
export const DECODED_FORMATS = [jpegFormat, pngFormat, bmpFormat, gifFormat, tiffFormat, webpFormat] as const;

/** The formats the classifier reads, by their id in results. */
export type ImageFormat = (typeof DECODED_FORMATS)[number]['id'];

/** Decoded formats first: a file that matches one of them is that format, whatever else it contains. */
export const IMAGE_FORMATS: readonly ImageFormatDescriptor[] = [...DECODED_FORMATS, ...NAMED_ONLY_FORMATS];

export function decodedFormatById(id: ImageFormat): DecodedFormatDescriptor<ImageFormat> {
  return DECODED_FORMATS.find((f) => f.id === id) as DecodedFormatDescriptor<ImageFormat>;
}

/** Extensions of the formats the classifier reads, for directory walks. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(DECODED_FORMATS.flatMap((f) => f.extensions));

const list = (names: readonly string[]): string =>
  names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;

/** What to send instead, in refusals: the formats every decoder (jimp included) reads. */
export const SUPPORTED_HINT = `send a ${list(DECODED_FORMATS.filter((f) => f.decoders.jimp).map((f) => f.name))} image`;

export type {
  DecodedFormatDescriptor,
  FormatDecoders,
  ImageFormatDescriptor,
  JimpHooks,
  SharpHooks,
} from './descriptor';
export { IMAGE_SIZE_TYPE_NAMES } from './named-only';
