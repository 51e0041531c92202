import { expect } from 'chai';
import { Jimp } from 'jimp';
import { decodeWithJimp } from '../../function/classifier/decode-jimp';
import { ErrorCode, type ImageError } from '../../function/classifier/errors';
import { DECODED_FORMATS, IMAGE_FORMATS, SUPPORTED_HINT } from '../../function/classifier/formats/index';
import type { JpegLayout } from '../../function/classifier/formats/jpeg';
import { DEFAULT_LIMITS, inspectImage } from '../../function/classifier/image-probe';

const JIMP_MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  bmp: 'image/bmp',
  gif: 'image/gif',
  tiff: 'image/tiff',
};

/** A 6×4 file of the format: jimp writes what it reads, sharp (a devDependency) writes WebP. */
async function sample(id: string): Promise<Uint8Array> {
  const mime = JIMP_MIME[id];
  if (mime) return new Jimp({ width: 6, height: 4, color: 0x00ff00ff }).getBuffer(mime as 'image/png');
  const sharp = (await import('sharp')).default;
  const green = sharp({ create: { width: 6, height: 4, channels: 3, background: '#0f0' } });
  if (id === 'webp') return green.webp().toBuffer();
  return expect.fail(`no sample writer for ${id}`);
}

describe('the table of image formats', () => {
  it('recognises a file of each format it decodes by that format’s magic bytes alone', async () => {
    for (const format of DECODED_FORMATS) {
      // Prepare
      const bytes = await sample(format.id);

      // Act
      const matching = IMAGE_FORMATS.filter((f) => f.matches(bytes)).map((f) => f.id);

      // Assess
      expect(matching, format.id).to.deep.equal([format.id]);
      expect(format.walk(bytes, DEFAULT_LIMITS), format.id).to.include({ width: 6, height: 4 });
    }
  });

  it('gives every decoded format a walk, a decoder and extensions no other format claims', () => {
    const extensions = DECODED_FORMATS.flatMap((f) => f.extensions);
    expect(new Set(extensions).size).to.equal(extensions.length);
    for (const format of DECODED_FORMATS) {
      expect(format.walk, format.id).to.be.a('function');
      expect(Object.keys(format.decoders), format.id).to.not.be.empty;
      expect(
        format.extensions.every((e) => e === e.toLowerCase() && e.startsWith('.')),
        format.id,
      ).to.equal(true);
    }
  });

  it('suggests, in refusals, exactly the formats the portable decoder reads', () => {
    expect(SUPPORTED_HINT).to.equal('send a JPEG, PNG, BMP, GIF or TIFF image');
  });
});

describe('the header read once', () => {
  it('is handed to the jimp decoder, which trusts its layout instead of reading the header again', async () => {
    // Prepare: a baseline JPEG, whose handed layout says it is arithmetic-coded
    const bytes = await new Jimp({ width: 8, height: 8, color: 0xff0000ff }).getBuffer('image/jpeg');
    const header = inspectImage(bytes, DEFAULT_LIMITS);
    const lying = { ...header, layout: { ...(header.layout as JpegLayout), arithmetic: true } };

    // Act
    const asRead = await decodeWithJimp(bytes, header, DEFAULT_LIMITS);
    const error = await decodeWithJimp(bytes, lying, DEFAULT_LIMITS).catch((e: ImageError) => e);

    // Assess
    expect([asRead.width, asRead.height]).to.deep.equal([8, 8]);
    expect((error as ImageError).code).to.equal(ErrorCode.UNSUPPORTED_FORMAT);
    expect((error as Error).message).to.match(/arithmetic-coded/);
  });
});
