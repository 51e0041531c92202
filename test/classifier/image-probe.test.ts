import { expect } from 'chai';
import { Jimp } from 'jimp';
import { ErrorCode, type ImageError } from '../../function/classifier/errors';
import { DEFAULT_LIMITS, probeImage } from '../../function/classifier/image-probe';
import { pngClaiming } from '../support/crafted-images';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as ImageError).code;
  }
  return undefined;
}

describe('image probe', () => {
  it('reads format and size from the header of each decodable format', async () => {
    const image = new Jimp({ width: 7, height: 5, color: 0xff0000ff });
    for (const [mime, format] of [
      ['image/png', 'png'],
      ['image/jpeg', 'jpg'],
      ['image/bmp', 'bmp'],
      ['image/gif', 'gif'],
      ['image/tiff', 'tiff'],
    ] as const) {
      const bytes = await image.getBuffer(mime);
      expect(probeImage(bytes), mime).to.deep.equal({ format, width: 7, height: 5 });
    }
  });

  it('refuses a 50000×50000 PNG bomb from its header alone', () => {
    // The probe decodes nothing: a few hundred bytes claiming 10 GB of pixels are refused as they are.
    const bomb = pngClaiming(50_000, 50_000);
    expect(bomb.length).to.be.below(2000);
    expect(codeOf(() => probeImage(bomb))).to.equal(ErrorCode.IMAGE_TOO_LARGE);
  });

  it('refuses files over the byte limit before looking inside', () => {
    expect(codeOf(() => probeImage(Buffer.alloc(11), { ...DEFAULT_LIMITS, maxBytes: 10 }))).to.equal(
      ErrorCode.IMAGE_TOO_LARGE,
    );
  });

  it('names empty files, text, PDF and SVG for what they are', () => {
    expect(codeOf(() => probeImage(Buffer.alloc(0)))).to.equal(ErrorCode.EMPTY_IMAGE);
    expect(codeOf(() => probeImage(Buffer.from('hello, I am not a picture')))).to.equal(
      ErrorCode.UNSUPPORTED_FORMAT,
    );
    try {
      probeImage(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'));
      expect.fail('PDF accepted');
    } catch (error) {
      expect((error as Error).message).to.match(/PDF is not supported/);
    }
    try {
      probeImage(
        Buffer.from(
          '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        ),
      );
      expect.fail('SVG accepted');
    } catch (error) {
      expect((error as ImageError).code).to.equal(ErrorCode.UNSUPPORTED_FORMAT);
      expect((error as Error).message).to.match(/SVG/);
    }
  });

  it('calls a file with a known signature but a broken header corrupt', () => {
    expect(codeOf(() => probeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00])))).to.equal(
      ErrorCode.CORRUPT_IMAGE,
    );
  });
});
