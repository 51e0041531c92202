import type { ImageLimits } from '../image-limits';
import { decodedFormat } from './descriptor';
import { ascii, assertDimensions, corrupt, type Dimensions, Reader, tooLarge } from './reader';

const NAME = 'GIF';

export interface GifLayout extends Dimensions {
  /** The first frame's rectangle: the only frame the decoder reads. */
  frame: { left: number; top: number; width: number; height: number };
}

/**
 * Reads the logical screen and walks the blocks up to the first image. The decoder (omggif) sizes its
 * buffers from the frame's own rectangle, which a file can set far larger than the screen, so that is
 * checked against the pixel limit too.
 */
export function inspectGif(bytes: Uint8Array, limits: ImageLimits): GifLayout {
  const version = ascii(bytes, 0, 6);
  if (version !== 'GIF87a' && version !== 'GIF89a')
    throw corrupt(NAME, 'its signature is not GIF87a or GIF89a');
  const r = new Reader(bytes, NAME, true);
  const width = r.u16(6);
  const height = r.u16(8);
  assertDimensions(NAME, width, height, limits);
  const flags = r.u8(10);
  let at = 13 + (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  for (;;) {
    const block = r.u8(at);
    if (block === 0x2c) {
      const frame = { left: r.u16(at + 1), top: r.u16(at + 3), width: r.u16(at + 5), height: r.u16(at + 7) };
      if (frame.width < 1 || frame.height < 1) {
        throw corrupt(NAME, `its first frame is ${frame.width}×${frame.height} pixels`);
      }
      if (frame.width * frame.height > limits.maxPixels) {
        throw tooLarge(
          `the GIF's first frame claims ${frame.width}×${frame.height} pixels, over the limit of ${(limits.maxPixels / 1e6).toFixed(1)} MP`,
        );
      }
      return { width, height, frame };
    }
    if (block === 0x21) {
      // Extension: label, then sub-blocks until a zero length.
      at += 2;
      for (let size = r.u8(at); size !== 0; size = r.u8(at)) at += size + 1;
      at += 1;
      continue;
    }
    if (block === 0x3b) throw corrupt(NAME, 'it ends before its first image');
    throw corrupt(NAME, `unexpected block 0x${block.toString(16)} at byte ${at}`);
  }
}

export const gifFormat = decodedFormat({
  id: 'gif',
  name: NAME,
  matches: (b) => ascii(b, 0, 4) === 'GIF8',
  extensions: ['.gif'],
  walk: inspectGif,
  decoders: { jimp: { mime: 'image/gif' }, sharp: {} },
});
