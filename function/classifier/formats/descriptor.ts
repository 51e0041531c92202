import type { ImageLimits } from '../image-limits';
import type { Dimensions } from './reader';

/**
 * How jimp's own codec for a format is driven. jimp's pure-JavaScript codecs (jpeg-js, pngjs, omggif,
 * bmp-ts, utif2) trust fields the header walk has already checked, but each has gaps of its own that are
 * closed here, per format, from the same walk.
 */
export interface JimpHooks<Layout> {
  /** The MIME type jimp files the codec under. */
  mime: string;
  /**
   * Refuses, by name, the variants this codec cannot read and measures what it would inflate without a
   * ceiling; returns the bytes to hand the codec (a rewritten copy where the codec needs one).
   */
  prepare?: (bytes: Buffer, layout: Layout, limits: ImageLimits) => Buffer;
  /** Options for the codec's decode call. */
  options?: (limits: ImageLimits) => Record<string, unknown>;
  /** The EXIF orientation (1–8) the codec leaves for us to apply; absent means the codec applies none. */
  orientation?: (bytes: Uint8Array) => number;
}

/** How libvips (through sharp) is driven for a format it reads. */
export interface SharpHooks<Layout> {
  /** Refuses, by name, the variants libvips cannot read (before it is asked to). */
  assertReads?: (layout: Layout) => void;
}

/** The decoders that take a format, with what each needs to know about it. */
export interface FormatDecoders<Layout> {
  jimp?: JimpHooks<Layout>;
  sharp?: SharpHooks<Layout>;
}

/**
 * Everything the project knows about one image format, in one place: how to recognise it, what files of
 * it are called, how to walk its header (dimensions first, so a bomb is refused before anything else is
 * read), and which decoders take it.
 */
export interface ImageFormatDescriptor<Id extends string = string, Layout extends Dimensions = Dimensions> {
  /** The format's id in results (`image.format`); for decoded formats, image-size's type name. */
  id: Id;
  /** The name people know it by, for messages. */
  name: string;
  /** Leading bytes: a match means the file is this format, even if damaged. */
  matches: (bytes: Uint8Array) => boolean;
  /** Extensions (lower case, with the dot) picked up when a directory is walked. */
  extensions: readonly string[];
  /**
   * The header walk: dimensions, then every field a decoder would trust to size a buffer or bound a
   * loop. Absent for formats recognised only to be refused by name.
   */
  walk?: (bytes: Uint8Array, limits: ImageLimits) => Layout;
  decoders: FormatDecoders<Layout>;
}

/** A format the classifier reads: it has a header walk and at least one decoder. */
export interface DecodedFormatDescriptor<Id extends string = string, Layout extends Dimensions = Dimensions>
  extends ImageFormatDescriptor<Id, Layout> {
  walk: (bytes: Uint8Array, limits: ImageLimits) => Layout;
}

/**
 * Erases a descriptor's layout type for the table. Safe because the layout handed to a descriptor's hooks
 * only ever comes from that same descriptor's walk (see `inspectImage`).
 */
export const decodedFormat = <Id extends string, Layout extends Dimensions>(
  descriptor: DecodedFormatDescriptor<Id, Layout>,
): DecodedFormatDescriptor<Id, Dimensions> =>
  descriptor as unknown as DecodedFormatDescriptor<Id, Dimensions>;
