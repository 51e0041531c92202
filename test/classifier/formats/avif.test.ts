import { expect } from 'chai';
import sharp from 'sharp';
import { ErrorCode, type ImageError } from '../../../function/classifier/errors';
import { DEFAULT_LIMITS, inspectImage } from '../../../function/classifier/image-probe';

const SHARP = ['sharp', 'jimp'] as const;

function box(type: string, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** ftyp avif + meta { iprp { ipco { ispe } } }: the boxes a decoder reads the size from. */
function avifClaiming(width: number, height: number): Buffer {
  const ispe = Buffer.alloc(12);
  ispe.writeUInt32BE(width, 4);
  ispe.writeUInt32BE(height, 8);
  return Buffer.concat([
    box('ftyp', Buffer.from('avif\0\0\0\0avifmif1miaf', 'latin1')),
    box('meta', Buffer.alloc(4), box('iprp', box('ipco', box('ispe', ispe)))),
  ]);
}

function refusal(bytes: Uint8Array, decoders: readonly ('sharp' | 'jimp')[] = SHARP): ImageError {
  try {
    inspectImage(bytes, DEFAULT_LIMITS, decoders);
  } catch (error) {
    return error as ImageError;
  }
  return expect.fail('accepted');
}

describe('AVIF header walk', () => {
  it('reads the size of an AVIF made by libheif', async () => {
    const bytes = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#c63' } })
      .avif({ quality: 50 })
      .toBuffer();
    expect(inspectImage(bytes, DEFAULT_LIMITS, SHARP)).to.deep.include({
      format: 'avif',
      width: 300,
      height: 200,
    });
  });

  it('refuses a 50000×50000 bomb from its header alone', () => {
    const bomb = avifClaiming(50_000, 50_000);
    expect(bomb.length).to.be.below(100);
    expect(refusal(bomb).code).to.equal(ErrorCode.IMAGE_TOO_LARGE);
  });

  it('calls a box that runs past the end of the file damaged', () => {
    const cut = avifClaiming(64, 48).subarray(0, 50);
    expect(refusal(cut).code).to.equal(ErrorCode.CORRUPT_IMAGE);
  });

  it('is refused by name where no decoder at hand reads AVIF, and HEIC stays unsupported', () => {
    expect(refusal(avifClaiming(64, 48), ['jimp']).message).to.match(/^AVIF is not supported/);
    const heic = Buffer.concat([
      box('ftyp', Buffer.from('heic\0\0\0\0mif1heic', 'latin1')),
      Buffer.alloc(16),
    ]);
    expect(refusal(heic).code).to.equal(ErrorCode.UNSUPPORTED_FORMAT);
  });
});
