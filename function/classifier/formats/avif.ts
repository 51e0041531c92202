import type { ImageLimits } from '../image-limits';
import { decodedFormat } from './descriptor';
import { ascii, assertDimensions, corrupt, type Dimensions, Reader, truncated } from './reader';

const NAME = 'AVIF';

/** Boxes whose children are walked for the image's spatial extents (ISO/IEC 23008-12, HEIF). */
const CONTAINERS = new Set(['meta', 'iprp', 'ipco']);
/** Boxes read at most: a real AVIF has a few dozen; a file of millions of empty boxes is a slow walk. */
const MAX_BOXES = 10_000;

export interface AvifLayout extends Dimensions {
  /** Every image's extent (ispe) in the file: the primary image, its tiles, thumbnails, alpha. */
  extents: Dimensions[];
}

/** The brands of the `ftyp` box: AVIF files name `avif` (still) or `avis` (sequence). */
export function isAvif(b: Uint8Array): boolean {
  if (ascii(b, 4, 8) !== 'ftyp') return false;
  const size = ((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0);
  const brands = ascii(b, 8, Math.min(Math.max(size, 16), 64));
  return /avi[fs]/.test(brands);
}

/**
 * Walks the ISO-BMFF boxes down to every image spatial extent (`ispe`) and checks each against the pixel
 * limit before libheif is asked to allocate: the largest is the image's size (a grid's full canvas, or
 * the primary image). Offsets and sizes are bounded by the file.
 */
export function inspectAvif(bytes: Uint8Array, limits: ImageLimits): AvifLayout {
  const r = new Reader(bytes, NAME);
  const extents: Dimensions[] = [];
  let boxes = 0;
  const walk = (start: number, end: number): void => {
    let at = start;
    while (at + 8 <= end) {
      if (++boxes > MAX_BOXES) throw corrupt(NAME, `it has more than ${MAX_BOXES} boxes`);
      let size = r.u32(at);
      const type = ascii(bytes, at + 4, at + 8);
      let header = 8;
      if (size === 1) {
        const high = r.u32(at + 8);
        size = high * 2 ** 32 + r.u32(at + 12);
        header = 16;
      } else if (size === 0) size = end - at;
      if (size < header || at + size > end) throw truncated(NAME);
      // meta is a full box: 4 bytes of version and flags before its children.
      if (CONTAINERS.has(type)) walk(at + header + (type === 'meta' ? 4 : 0), at + size);
      else if (type === 'ispe') {
        const width = r.u32(at + header + 4);
        const height = r.u32(at + header + 8);
        assertDimensions(NAME, width, height, limits);
        extents.push({ width, height });
      }
      at += size;
    }
  };
  walk(0, bytes.length);
  const largest = extents.reduce<Dimensions | undefined>(
    (a, b) => (!a || b.width * b.height > a.width * a.height ? b : a),
    undefined,
  );
  if (!largest) throw corrupt(NAME, 'it has no image extent (ispe): no image in it');
  return { width: largest.width, height: largest.height, extents };
}

export const avifFormat = decodedFormat({
  id: 'avif',
  name: NAME,
  matches: isAvif,
  extensions: ['.avif'],
  walk: inspectAvif,
  // libheif with the AV1 decoder in sharp's prebuilt libvips; jimp has none.
  decoders: { sharp: {} },
});
