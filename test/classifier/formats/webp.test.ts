import { expect } from 'chai';
import sharp from 'sharp';
import { ErrorCode, type ImageError } from '../../../function/classifier/errors';
import { DEFAULT_LIMITS, inspectImage } from '../../../function/classifier/image-probe';

const SHARP = ['sharp', 'jimp'] as const;

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** A VP8 key frame header claiming a size, followed by a few bytes of (meaningless) data. */
function vp8(width: number, height: number): Buffer {
  const data = Buffer.alloc(64);
  data.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]); // key frame tag, start code
  data.writeUInt16LE(width, 6);
  data.writeUInt16LE(height, 8);
  return chunk('VP8 ', data);
}

function vp8l(width: number, height: number): Buffer {
  const data = Buffer.alloc(32);
  data[0] = 0x2f;
  data.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  return chunk('VP8L', data);
}

function vp8x(width: number, height: number, flags = 0): Buffer {
  const data = Buffer.alloc(10);
  data[0] = flags;
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return chunk('VP8X', data);
}

function anmf(x: number, y: number, width: number, height: number): Buffer {
  const data = Buffer.alloc(16);
  data.writeUIntLE(x / 2, 0, 3);
  data.writeUIntLE(y / 2, 3, 3);
  data.writeUIntLE(width - 1, 6, 3);
  data.writeUIntLE(height - 1, 9, 3);
  return chunk('ANMF', data);
}

function refusal(bytes: Uint8Array, decoders: readonly ('sharp' | 'jimp')[] = SHARP): ImageError {
  try {
    inspectImage(bytes, DEFAULT_LIMITS, decoders);
  } catch (error) {
    return error as ImageError;
  }
  return expect.fail('accepted');
}

describe('WebP header walk', () => {
  it('reads the size of lossy, lossless and extended WebP files made by libwebp', async () => {
    const image = sharp({ create: { width: 300, height: 200, channels: 4, background: '#36c8' } });
    for (const [what, bytes] of [
      ['lossy', await image.clone().webp({ quality: 80 }).toBuffer()],
      ['lossless', await image.clone().webp({ lossless: true }).toBuffer()],
      ['extended (alpha)', await image.clone().webp({ quality: 80, alphaQuality: 50 }).toBuffer()],
    ] as const) {
      expect(inspectImage(bytes, DEFAULT_LIMITS, SHARP), what).to.deep.include({
        format: 'webp',
        width: 300,
        height: 200,
      });
    }
  });

  it('refuses bombs from the header alone: a 16383×16383 VP8, VP8L or VP8X canvas', () => {
    for (const bomb of [
      riff(vp8(16383, 16383)),
      riff(vp8l(16384, 16384)),
      riff(vp8x(16_777_216, 16_777_216), vp8(1, 1)),
    ]) {
      expect(bomb.length).to.be.below(200);
      expect(refusal(bomb).code).to.equal(ErrorCode.IMAGE_TOO_LARGE);
    }
  });

  it('calls damaged files damaged: truncated, no image data, a frame off its canvas, a bitstream that does not fit', () => {
    const good = riff(vp8(64, 48));
    for (const [what, bytes] of [
      ['truncated', good.subarray(0, 40)],
      ['no image data', riff(vp8x(64, 48), chunk('EXIF', Buffer.alloc(8)))],
      ['frame off the canvas', riff(vp8x(64, 48, 0x02), chunk('ANIM', Buffer.alloc(6)), anmf(32, 0, 64, 48))],
      ['bitstream larger than the canvas', riff(vp8x(64, 48), vp8(640, 480))],
      ['damaged start code', Buffer.from(good).fill(0, 20 + 3, 20 + 6)],
    ] as const) {
      expect(refusal(bytes).code, what).to.equal(ErrorCode.CORRUPT_IMAGE);
    }
  });

  it('is refused by name, before its header is walked, where no decoder at hand reads WebP', () => {
    const error = refusal(riff(vp8(16383, 16383)), ['jimp']);
    expect(error.code).to.equal(ErrorCode.UNSUPPORTED_FORMAT);
    expect(error.message).to.match(/^WebP is not supported/);
  });
});
