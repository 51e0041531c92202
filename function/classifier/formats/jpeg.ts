import type { ImageLimits } from '../image-limits';
import { decodedFormat } from './descriptor';
import {
  assertDimensions,
  corrupt,
  type Dimensions,
  Reader,
  tooLarge,
  truncated,
  unsupported,
} from './reader';

const NAME = 'JPEG';

/**
 * Progressive JPEGs repeat a pass over every block for each scan. Encoders write about 10 (libjpeg) to
 * 30 (mozjpeg); a file of thousands of tiny scans would keep the decoder busy for minutes.
 * libjpeg-turbo guards the same way (its "scan limit").
 */
export const MAX_JPEG_SCANS = 100;

/** SOF markers jpeg-js cannot read, with what people call them. */
const UNSUPPORTED_FRAMES: Record<number, string> = {
  195: 'a lossless JPEG',
  197: 'a hierarchical JPEG',
  198: 'a hierarchical JPEG',
  199: 'a hierarchical lossless JPEG',
  201: 'an arithmetic-coded JPEG',
  202: 'an arithmetic-coded progressive JPEG',
  203: 'an arithmetic-coded lossless JPEG',
  205: 'an arithmetic-coded hierarchical JPEG',
  206: 'an arithmetic-coded hierarchical JPEG',
  207: 'an arithmetic-coded hierarchical JPEG',
};

const isFrameMarker = (m: number): boolean =>
  m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const isStandalone = (m: number): boolean => (m >= 0xd0 && m <= 0xd8) || m === 0x01;

export interface JpegLayout extends Dimensions {
  /** The SOFn marker (0xc0 baseline, 0xc1 extended, 0xc2 progressive, others lossless/arithmetic). */
  frame: number;
  precision: number;
  components: number;
  scans: number;
  /** Arithmetic-coding conditioning tables (DAC) were present. */
  arithmetic: boolean;
}

/** Offset just past the entropy-coded data that starts at `from`: the next marker that is not RSTn. */
function skipEntropyData(bytes: Uint8Array, from: number, end: number): number {
  let p = from;
  for (;;) {
    p = bytes.indexOf(0xff, p);
    if (p < 0 || p + 1 >= end) return end;
    const next = bytes[p + 1] as number;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) p += 2;
    else if (next === 0xff) p += 1;
    else return p;
  }
}

/**
 * Walks the marker segments of a JPEG (or of a JPEG stream embedded in a TIFF strip, between `start`
 * and `end`): finds the frame header and counts scans. Entropy data is skipped with a native byte
 * search, so a 25 MB file takes a few milliseconds.
 */
export function inspectJpeg(
  bytes: Uint8Array,
  limits: ImageLimits,
  start = 0,
  end = bytes.length,
): JpegLayout {
  const r = new Reader(bytes.subarray(0, end), NAME);
  let frame: Omit<JpegLayout, 'scans' | 'arithmetic'> | undefined;
  let blocks = 0;
  let scans = 0;
  let entropyBytes = 0;
  let arithmetic = false;
  let at = start + 2;
  while (at + 1 < end) {
    if (bytes[at] !== 0xff) {
      // Stray bytes between segments: decoders skip to the next marker, and so do we.
      const next = bytes.indexOf(0xff, at);
      if (next < 0 || next >= end) break;
      at = next;
      continue;
    }
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) break; // end of image: anything after it is not ours to read
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    const length = r.u16(at + 2);
    if (length < 2)
      throw corrupt(NAME, `segment 0x${marker.toString(16)} at byte ${at} has length ${length}`);
    const segmentEnd = at + 2 + length;
    if (segmentEnd > end) throw truncated(NAME);
    if (marker === 0xcc) arithmetic = true; // DAC: conditioning tables for arithmetic coding
    if (isFrameMarker(marker)) {
      if (frame) {
        // Several frames: only hierarchical JPEG allows that.
        throw unsupported(UNSUPPORTED_FRAMES[frame.frame] ?? 'a JPEG with more than one frame');
      }
      const precision = r.u8(at + 4);
      const height = r.u16(at + 5);
      const width = r.u16(at + 7);
      const components = r.u8(at + 9);
      if (height === 0) throw unsupported('a JPEG that gives its height after the image data (DNL marker)');
      assertDimensions(NAME, width, height, limits);
      frame = { frame: marker, precision, width, height, components };
      blocks = blockCount(r, at + 10, components, width, height);
    }
    if (marker === 0xda) {
      if (!frame) throw corrupt(NAME, 'its image data starts before the frame header (SOF)');
      scans += 1;
      if (scans > MAX_JPEG_SCANS) {
        throw tooLarge(
          `the JPEG has more than ${MAX_JPEG_SCANS} scans, more than any encoder writes; it is refused to bound decoding time`,
        );
      }
      at = skipEntropyData(bytes, segmentEnd, end);
      entropyBytes += at - segmentEnd;
      continue;
    }
    at = segmentEnd;
  }
  if (!frame) throw truncated(NAME);
  if (scans === 0) throw corrupt(NAME, 'it has a header but no image data (no scan)');
  // Huffman coding spends at least one bit on every block's DC coefficient: a file with fewer bits of
  // image data than blocks is truncated (or lies about its size), and jpeg-js would allocate the whole
  // image before noticing. Arithmetic coding can go below a bit a block, so it is not held to this.
  const huffman = frame.frame <= 0xc3 || (frame.frame >= 0xc5 && frame.frame <= 0xc7);
  if (huffman && !arithmetic && entropyBytes * 8 < blocks) {
    throw corrupt(
      NAME,
      `it holds ${entropyBytes} bytes of image data, too few for ${frame.width}×${frame.height} pixels (${blocks} blocks of at least one bit each): it is truncated`,
    );
  }
  return { ...frame, scans, arithmetic };
}

/**
 * Data units (8×8 blocks) one full pass over the frame codes, from each component's sampling factors;
 * 0 when a factor is out of range (the decoder reports that).
 */
function blockCount(r: Reader, at: number, components: number, width: number, height: number): number {
  const factors: Array<[number, number]> = [];
  for (let i = 0; i < components; i++) {
    const hv = r.u8(at + i * 3 + 1);
    factors.push([hv >> 4, hv & 15]);
  }
  if (factors.some(([h, v]) => h < 1 || h > 4 || v < 1 || v > 4)) return 0;
  const hMax = Math.max(...factors.map(([h]) => h));
  const vMax = Math.max(...factors.map(([, v]) => v));
  return factors.reduce(
    (sum, [h, v]) =>
      sum + Math.ceil(Math.ceil((width * h) / hMax) / 8) * Math.ceil(Math.ceil((height * v) / vMax) / 8),
    0,
  );
}

/** What jpeg-js (jimp's JPEG decoder) cannot read: refused with a name instead of a decoder's stack. */
export function assertJpegJsReads(layout: JpegLayout): void {
  const kind = UNSUPPORTED_FRAMES[layout.frame];
  if (kind) throw unsupported(kind);
  if (layout.arithmetic) throw unsupported('an arithmetic-coded JPEG');
  if (layout.precision !== 8) throw unsupported(`a ${layout.precision}-bit JPEG`);
  if (![1, 3, 4].includes(layout.components)) {
    throw unsupported(`a JPEG with ${layout.components} colour components`);
  }
}

/** Frame types mozjpeg (the JPEG decoder in sharp's libvips) cannot read; it reads arithmetic coding. */
const NOT_FOR_MOZJPEG = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xcb, 0xcd, 0xce, 0xcf]);

/** What libvips in sharp cannot read: refused with a name instead of libjpeg's message. */
export function assertMozjpegReads(layout: JpegLayout): void {
  if (NOT_FOR_MOZJPEG.has(layout.frame)) throw unsupported(UNSUPPORTED_FRAMES[layout.frame] as string);
  if (layout.precision !== 8) throw unsupported(`a ${layout.precision}-bit JPEG`);
  if (![1, 3, 4].includes(layout.components)) {
    throw unsupported(`a JPEG with ${layout.components} colour components`);
  }
}

/**
 * The EXIF Orientation (1–8) of a JPEG, from its first APP1 "Exif" segment; 1 when absent or unreadable.
 * Only this one tag is read, with every offset checked against the segment.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1] as number;
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
    if (
      marker === 0xe1 &&
      length >= 8 &&
      String.fromCharCode(...bytes.subarray(at + 4, at + 10)) === 'Exif\0\0'
    ) {
      return orientationFromTiff(bytes.subarray(at + 10, Math.min(bytes.length, at + 2 + length)));
    }
    at += 2 + length;
  }
  return 1;
}

function orientationFromTiff(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return 1;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    // One SHORT, stored in the entry itself; anything else is not an orientation we can trust.
    if (view.getUint16(entry + 2, little) !== 3 || view.getUint32(entry + 4, little) !== 1) return 1;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * jpeg-js's own memory ceiling, per pixel of the pixel limit. It counts 64 Int32 coefficients a block
 * (4 bytes a pixel for each full-resolution component), line and sample buffers, and the RGBA output.
 * Earlier ceilings refused valid files the probe had admitted: 8 bytes a pixel, ordinary 4:2:0 photos
 * above ~25 MP; 20 bytes a pixel, a 39.9 MP 4:4:4 JPEG. Measured: a 39 MP JPEG decodes with a peak RSS
 * of ~1.0 GB (4:2:0) to ~1.8 GB (4:4:4), which the template's MaxPixels rules leave room for.
 */
const JPEG_JS_BYTES_PER_PIXEL = 28;

export const jpegFormat = decodedFormat({
  id: 'jpg',
  name: NAME,
  matches: (b) => b[0] === 0xff && b[1] === 0xd8,
  extensions: ['.jpg', '.jpeg', '.jpe'],
  walk: (bytes, limits) => inspectJpeg(bytes, limits),
  decoders: {
    jimp: {
      mime: 'image/jpeg',
      prepare: (bytes, layout) => {
        assertJpegJsReads(layout);
        return bytes;
      },
      // jpeg-js keeps its own ceilings; align them with ours so that what the probe admits decodes.
      options: (limits) => ({
        maxResolutionInMP: Math.ceil(limits.maxPixels / 1e6),
        maxMemoryUsageInMB: Math.ceil((limits.maxPixels * JPEG_JS_BYTES_PER_PIXEL) / 2 ** 20) + 64,
      }),
      orientation: jpegOrientation,
    },
    sharp: { assertReads: assertMozjpegReads },
  },
});
