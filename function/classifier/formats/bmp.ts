import type { ImageLimits } from '../image-limits';
import { decodedFormat } from './descriptor';
import { ascii, assertDimensions, corrupt, type Dimensions, Reader, truncated, unsupported } from './reader';

const NAME = 'BMP';

/** DIB header sizes the decoder (bmp-ts) reads: BITMAPINFOHEADER and its V2–V5 extensions. */
const HEADER_SIZES = [40, 52, 56, 108, 124];
const BIT_DEPTHS = [1, 4, 8, 16, 24, 32];
const RGB = 0;
const RLE8 = 1;
const RLE4 = 2;
const BITFIELDS = 3;
const ALPHA_BITFIELDS = 6;

export interface BmpLayout extends Dimensions {
  bitsPerPixel: number;
  compression: number;
}

/**
 * Checks a BMP header against what the decoder will do with it. bmp-ts allocates the whole bitmap from
 * the header before reading a pixel, so an uncompressed BMP whose pixel data is shorter than its header
 * promises is refused here, with the numbers, instead of after a large allocation.
 */
export function inspectBmp(bytes: Uint8Array, limits: ImageLimits): BmpLayout {
  const r = new Reader(bytes, NAME, true);
  const headerSize = r.u32(14);
  if (headerSize === 12 || headerSize === 64) throw unsupported('an OS/2 BMP');
  if (!HEADER_SIZES.includes(headerSize))
    throw corrupt(NAME, `its DIB header size ${headerSize} is not a known one`);
  const width = r.i32(18);
  const height = Math.abs(r.i32(22));
  assertDimensions(NAME, width, height, limits);
  const bitsPerPixel = r.u16(28);
  const compression = r.u32(30);
  const colours = r.u32(46);
  if (compression === 4) throw unsupported('a BMP holding a JPEG');
  if (compression === 5) throw unsupported('a BMP holding a PNG');
  if (![RGB, RLE8, RLE4, BITFIELDS, ALPHA_BITFIELDS].includes(compression)) {
    throw corrupt(NAME, `it names an unknown compression (${compression})`);
  }
  if (!BIT_DEPTHS.includes(bitsPerPixel)) throw unsupported(`a ${bitsPerPixel}-bit BMP`);
  if ((compression === RLE8 && bitsPerPixel !== 8) || (compression === RLE4 && bitsPerPixel !== 4)) {
    throw corrupt(NAME, `run-length compression ${compression} does not fit ${bitsPerPixel} bits a pixel`);
  }
  if (colours > 256) throw corrupt(NAME, `its palette claims ${colours} colours`);

  // Where bmp-ts starts reading pixels: after the header, the colour masks of a BITMAPINFOHEADER with
  // bit fields, and the palette (it ignores the file's own pixel offset).
  const masks =
    headerSize === 40 ? (compression === BITFIELDS ? 12 : compression === ALPHA_BITFIELDS ? 16 : 0) : 0;
  const paletteEntries = bitsPerPixel <= 8 || colours > 0 ? colours || 1 << bitsPerPixel : 0;
  const pixels = 14 + headerSize + masks + paletteEntries * 4;
  if (pixels > bytes.length) throw truncated(NAME);
  if (compression === RGB || compression === BITFIELDS || compression === ALPHA_BITFIELDS) {
    const stride = Math.ceil((width * bitsPerPixel) / 32) * 4;
    const needed = stride * (height - 1) + Math.ceil((width * bitsPerPixel) / 8);
    if (pixels + needed > bytes.length) {
      throw corrupt(
        NAME,
        `its header describes ${width}×${height} pixels at ${bitsPerPixel} bits (${needed} bytes) but the file holds ${bytes.length - pixels} bytes of pixel data`,
      );
    }
  }
  return { width, height, bitsPerPixel, compression };
}

/**
 * bmp-ts starts run-length (RLE4/RLE8) images on the wrong row and writes their colours at the wrong
 * offsets: the picture comes out scrambled, and a scrambled picture classifies as something, wrongly.
 */
export function assertBmpTsReads(layout: BmpLayout): void {
  if (layout.compression === RLE8 || layout.compression === RLE4) {
    throw unsupported('a run-length compressed (RLE) BMP');
  }
}

export const bmpFormat = decodedFormat({
  id: 'bmp',
  name: NAME,
  matches: (b) => ascii(b, 0, 2) === 'BM',
  extensions: ['.bmp'],
  walk: inspectBmp,
  // The prebuilt libvips in sharp has no BMP loader.
  decoders: {
    jimp: {
      mime: 'image/bmp',
      prepare: (bytes, layout) => {
        assertBmpTsReads(layout);
        return bytes;
      },
    },
  },
});
