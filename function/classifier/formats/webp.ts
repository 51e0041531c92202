import type { ImageLimits } from '../image-limits';
import { decodedFormat } from './descriptor';
import { ascii, assertDimensions, corrupt, type Dimensions, Reader, tooLarge, truncated } from './reader';

const NAME = 'WebP';

export interface WebpLayout extends Dimensions {
  /** VP8 (lossy), VP8L (lossless) or VP8X (extended: alpha, animation, metadata). */
  kind: 'VP8' | 'VP8L' | 'VP8X';
  animated: boolean;
  frames: number;
}

/**
 * Animation frames read at most. libwebp reads the first frame alone, but a file of a million tiny frames
 * is still a million chunks to walk.
 */
const MAX_FRAMES = 10_000;

/** Width and height of a VP8 key frame: the 3-byte frame tag, the start code 9d 01 2a, then 14-bit sizes. */
function vp8Size(r: Reader, at: number, size: number): Dimensions {
  if (size < 10) throw corrupt(NAME, 'its VP8 frame header is missing');
  if ((r.u8(at) & 1) !== 0) throw corrupt(NAME, 'its first VP8 frame is not a key frame');
  if (r.u8(at + 3) !== 0x9d || r.u8(at + 4) !== 0x01 || r.u8(at + 5) !== 0x2a) {
    throw corrupt(NAME, 'its VP8 start code is damaged');
  }
  return { width: r.u16(at + 6) & 0x3fff, height: r.u16(at + 8) & 0x3fff };
}

/** Width and height of a VP8L stream: the signature 2f, then 14 bits each of width − 1 and height − 1. */
function vp8lSize(r: Reader, at: number, size: number): Dimensions {
  if (size < 5) throw corrupt(NAME, 'its VP8L header is missing');
  if (r.u8(at) !== 0x2f) throw corrupt(NAME, 'its VP8L signature is damaged');
  const bits = r.u32(at + 1);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

const u24 = (r: Reader, at: number): number => r.u8(at) | (r.u8(at + 1) << 8) | (r.u8(at + 2) << 16);

/**
 * Walks the RIFF chunks: the canvas size (VP8X) or the bitstream's own size first, against the pixel
 * limit, so a bomb is refused before libwebp allocates; then every chunk lies inside the file, there is
 * image data, and each bitstream or animation frame fits the canvas.
 */
export function inspectWebp(bytes: Uint8Array, limits: ImageLimits): WebpLayout {
  const r = new Reader(bytes, NAME, true);
  // RIFF's size counts from byte 8; the file may carry trailing bytes, never fewer.
  const end = Math.min(bytes.length, 8 + r.u32(4));
  if (8 + r.u32(4) > bytes.length) throw truncated(NAME);
  let at = 12;
  let canvas: Dimensions | undefined;
  let kind: WebpLayout['kind'] | undefined;
  let animated = false;
  let frames = 0;
  let image = false;
  while (at + 8 <= end) {
    const type = ascii(bytes, at, at + 4);
    const size = r.u32(at + 4);
    const data = at + 8;
    if (data + size > end) throw truncated(NAME);
    if (at === 12)
      kind = type === 'VP8 ' ? 'VP8' : type === 'VP8L' ? 'VP8L' : type === 'VP8X' ? 'VP8X' : kind;
    if (type === 'VP8X') {
      if (at !== 12 || size < 10) throw corrupt(NAME, 'its extended header (VP8X) is misplaced or short');
      animated = (r.u8(data) & 0x02) !== 0;
      canvas = { width: u24(r, data + 4) + 1, height: u24(r, data + 7) + 1 };
      assertDimensions(NAME, canvas.width, canvas.height, limits);
    } else if (type === 'VP8 ' || type === 'VP8L') {
      const own = type === 'VP8 ' ? vp8Size(r, data, size) : vp8lSize(r, data, size);
      if (!canvas) {
        canvas = own;
        assertDimensions(NAME, own.width, own.height, limits);
      } else if (!animated && (own.width !== canvas.width || own.height !== canvas.height)) {
        throw corrupt(
          NAME,
          `its image is ${own.width}×${own.height} on a ${canvas.width}×${canvas.height} canvas`,
        );
      }
      image = true;
    } else if (type === 'ANMF') {
      if (!canvas) throw corrupt(NAME, 'an animation frame comes before the canvas size');
      frames += 1;
      if (frames > MAX_FRAMES) throw tooLarge(`the WebP has more than ${MAX_FRAMES} animation frames`);
      if (size < 16) throw corrupt(NAME, 'an animation frame header is short');
      const x = u24(r, data) * 2;
      const y = u24(r, data + 3) * 2;
      const width = u24(r, data + 6) + 1;
      const height = u24(r, data + 9) + 1;
      if (x + width > canvas.width || y + height > canvas.height) {
        throw corrupt(NAME, `an animation frame (${width}×${height} at ${x},${y}) runs off the canvas`);
      }
      image = true;
    }
    // Chunks are padded to an even size.
    at = data + size + (size & 1);
  }
  if (!canvas || !kind) throw truncated(NAME);
  if (!image) throw corrupt(NAME, 'it has a header but no image data');
  return { width: canvas.width, height: canvas.height, kind, animated, frames };
}

export const webpFormat = decodedFormat({
  id: 'webp',
  name: NAME,
  matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
  extensions: ['.webp'],
  walk: inspectWebp,
  // jimp's default codecs have no WebP; libvips reads the first frame of an animation.
  decoders: { sharp: {} },
});
