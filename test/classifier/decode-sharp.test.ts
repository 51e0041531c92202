import { expect } from 'chai';
import { Jimp } from 'jimp';
import sharp from 'sharp';
import {
  DEFAULT_LIMITS,
  ErrorCode,
  LambdaVisionError,
  loadClassifier,
  probeImage,
} from '../../function/classifier';
import { chooseSharp } from '../../function/classifier/classifier';
import { loadSharpDecoder } from '../../function/classifier/decode-sharp';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

// The sharp decoder is the core's, offered because the bench measured it; its tests live with the bench.
const TARGET = { width: 224, height: 224 };

async function jpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const image = sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } },
  }).jpeg();
  return orientation ? image.withMetadata({ orientation }).toBuffer() : image.toBuffer();
}

describe('sharp decoder', () => {
  it('shrinks a large JPEG on load to twice the model input on its short side and reports the full size', async () => {
    // Prepare
    const decode = loadSharpDecoder()(TARGET);
    const bytes = await jpeg(3000, 2000);

    // Act
    const image = await decode(bytes, probeImage(bytes), DEFAULT_LIMITS);

    // Assess
    expect([image.width, image.height]).to.deep.equal([672, 448]);
    expect(image.data.length).to.equal(672 * 448 * 4);
    expect(image.original).to.deep.equal({ width: 3000, height: 2000 });
  });

  it('keeps a small image at its own size', async () => {
    // Prepare
    const decode = loadSharpDecoder()(TARGET);
    const bytes = await jpeg(300, 200);

    // Act
    const image = await decode(bytes, probeImage(bytes), DEFAULT_LIMITS);

    // Assess
    expect([image.width, image.height]).to.deep.equal([300, 200]);
  });

  it('turns the image upright by its EXIF orientation', async () => {
    // Prepare: orientation 6 = stored landscape, shown rotated by 90°
    const decode = loadSharpDecoder()(TARGET);
    const bytes = await jpeg(1200, 800, 6);

    // Act
    const image = await decode(bytes, probeImage(bytes), DEFAULT_LIMITS);

    // Assess
    expect(image.original).to.deep.equal({ width: 800, height: 1200 });
    expect(image.height).to.be.greaterThan(image.width);
  });

  it('hands BMP, which libvips cannot read, to jimp', async () => {
    // Prepare: a 2×1 24-bit BMP (54-byte header, rows padded to 4 bytes)
    const decode = loadSharpDecoder()(TARGET);
    const bmp = Buffer.alloc(62);
    bmp.write('BM', 0, 'ascii');
    bmp.writeUInt32LE(62, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(2, 18);
    bmp.writeInt32LE(1, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    bmp.writeUInt32LE(8, 34);
    bmp.set([0, 0, 255, 255, 0, 0], 54); // BGR: red, blue

    // Act
    const image = await decode(bmp, probeImage(bmp), DEFAULT_LIMITS);

    // Assess
    expect([image.width, image.height]).to.deep.equal([2, 1]);
    expect(image.original).to.equal(undefined);
  });

  it('reports damaged JPEG data as CORRUPT_IMAGE', async () => {
    // Prepare: a valid header followed by garbage where the scan data should be
    const decode = loadSharpDecoder()(TARGET);
    const good = await jpeg(640, 480);
    const bytes = Buffer.concat([good.subarray(0, 700), Buffer.alloc(4000, 0x5a)]);

    // Act
    const error = await decode(bytes, { format: 'jpg', width: 640, height: 480 }, DEFAULT_LIMITS).catch(
      (e) => e,
    );

    // Assess
    expect(error).to.be.instanceOf(LambdaVisionError);
    expect((error as LambdaVisionError).code).to.equal(ErrorCode.CORRUPT_IMAGE);
  });

  it('refuses an unknown decoder name before loading the model', async () => {
    // Act
    const error = await loadClassifier({ modelDir: '/nonexistent', decoder: 'libjpeg' as never }).catch(
      (e) => e,
    );

    // Assess
    expect((error as LambdaVisionError).code).to.equal(ErrorCode.INVALID_OPTION);
    expect((error as Error).message).to.match(/jimp, sharp/);
  });

  it('classifies through loadClassifier with decoder "sharp" and reports the image’s full size', async () => {
    // Prepare
    const modelDir = await buildTinyMobileNet(tempDir('lambdavision-sharp-'));
    const classifier = await loadClassifier({ modelDir, backend: 'wasm', decoder: 'sharp' });

    // Act
    const result = await classifier.classify(await jpeg(2000, 1000), { topK: 3 });

    // Assess
    expect(result.image).to.deep.include({ format: 'jpg', width: 2000, height: 1000 });
    expect(result.predictions).to.have.length(3);
    classifier.dispose();
  });

  it('is what "auto" takes when it loads, and every result names the decoder that read the image', async () => {
    // Prepare
    const modelDir = await buildTinyMobileNet(tempDir('lambdavision-auto-'));
    const classifier = await loadClassifier({ modelDir, backend: 'wasm', decoder: 'auto' });
    const bmp = await new Jimp({ width: 4, height: 4, color: 0x3366ccff }).getBuffer('image/bmp');

    // Act
    const photo = await classifier.classify(await jpeg(800, 600), { topK: 1 });
    const bitmap = await classifier.classify(bmp, { topK: 1 });

    // Assess
    expect(classifier.decoder).to.equal('sharp');
    expect(photo.decoder).to.equal('sharp');
    expect(bitmap.decoder, 'BMP, which libvips lacks').to.equal('jimp');
    classifier.dispose();
  });

  it('"auto" falls back to jimp when sharp cannot load; "sharp" fails with BACKEND_UNAVAILABLE', () => {
    // Prepare
    const missing = (): never => {
      throw new LambdaVisionError(ErrorCode.BACKEND_UNAVAILABLE, 'sharp could not be loaded');
    };

    // Act
    const auto = chooseSharp('auto', missing);
    const error = (() => {
      try {
        chooseSharp('sharp', missing);
      } catch (e) {
        return e as LambdaVisionError;
      }
      return undefined;
    })();

    // Assess
    expect(auto).to.equal(undefined);
    expect(error?.code).to.equal(ErrorCode.BACKEND_UNAVAILABLE);
    expect(chooseSharp('jimp', missing)).to.equal(undefined);
  });
});
