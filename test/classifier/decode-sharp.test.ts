import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import sharp from 'sharp';
import {
  type Classifier,
  DEFAULT_LIMITS,
  ErrorCode,
  LambdaVisionError,
  loadClassifier,
  probeImage,
} from '../../function/classifier';
import { chooseSharp } from '../../function/classifier/classifier';
import { loadSharpDecoder } from '../../function/classifier/decode-sharp';
import { type FittedImage, isFitted } from '../../function/classifier/decoder';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

// The sharp decoder is the core's, offered because the bench measured it; its tests live with the bench.
const TARGET = { width: 224, height: 224, resize: 'center-crop' } as const;

async function jpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const image = sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } },
  }).jpeg();
  return orientation ? image.withMetadata({ orientation }).toBuffer() : image.toBuffer();
}

const RED = [255, 0, 0] as const;
const GREEN = [0, 255, 0] as const;
const BLUE = [0, 0, 255] as const;

/**
 * A lossless image in three equal bands, red | green | blue: across its width when it is landscape, down
 * its height when portrait. The largest central square of either is exactly the green band.
 */
function bands(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  const landscape = width >= height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const along = landscape ? x / width : y / height;
      data.set(along < 1 / 3 ? RED : along < 2 / 3 ? GREEN : BLUE, (y * width + x) * 3);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The RGB pixel at (x, y) of the decoder's model input. */
const at = (image: FittedImage, x: number, y: number): number[] =>
  Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

/** Whether a pixel is clearly the given band colour (resampling blurs only the band edges). */
const isColour = (pixel: number[], colour: readonly number[]): boolean =>
  pixel.every((v, i) => Math.abs(v - (colour[i] as number)) <= 24);

const isGreen = (pixel: number[]): boolean => isColour(pixel, GREEN);

async function fitted(
  bytes: Buffer,
  resize: 'center-crop' | 'stretch' = 'center-crop',
): Promise<FittedImage> {
  const { decodeInput } = loadSharpDecoder()({ ...TARGET, resize });
  const image = await decodeInput(bytes, probeImage(bytes), DEFAULT_LIMITS);
  if (!isFitted(image))
    throw new Error(`expected the model input, got a ${image.width}×${image.height} bitmap`);
  return image;
}

describe('sharp decoder making the model input', () => {
  it('makes exactly the input size in RGB from a large JPEG and reports the full size', async () => {
    // Act
    const image = await fitted(await jpeg(3000, 2000));

    // Assess
    expect([image.width, image.height, image.channels]).to.deep.equal([224, 224, 3]);
    expect(image.data.length).to.equal(224 * 224 * 3);
    expect(image.original).to.deep.equal({ width: 3000, height: 2000 });
    expect(image.decoder).to.equal('sharp');
    // The JPEG's red survives: the channels are R, G, B in that order.
    expect(at(image, 112, 112)[0]).to.be.greaterThan(150);
  });

  it('cuts the central square of a landscape image: edge to edge the middle band', async () => {
    // Act
    const image = await fitted(await bands(900, 300));

    // Assess: a crop off centre by a few pixels would bring red or blue into the edge columns
    for (const x of [4, 112, 219]) {
      for (const y of [0, 112, 223]) expect(at(image, x, y), `pixel ${x},${y}`).to.satisfy(isGreen);
    }
  });

  it('cuts the central square of a portrait image: top to bottom the middle band', async () => {
    // Act
    const image = await fitted(await bands(300, 900));

    // Assess
    for (const y of [4, 112, 219]) {
      for (const x of [0, 112, 223]) expect(at(image, x, y), `pixel ${x},${y}`).to.satisfy(isGreen);
    }
  });

  it('stretches the whole image onto the input when the manifest says stretch', async () => {
    // Act
    const landscape = await fitted(await bands(900, 300), 'stretch');
    const portrait = await fitted(await bands(300, 900), 'stretch');

    // Assess: three bands of about 75 pixels each, along the long side
    expect(at(landscape, 30, 112)).to.satisfy((p: number[]) => isColour(p, RED));
    expect(at(landscape, 112, 112)).to.satisfy(isGreen);
    expect(at(landscape, 193, 112)).to.satisfy((p: number[]) => isColour(p, BLUE));
    expect(at(portrait, 112, 30)).to.satisfy((p: number[]) => isColour(p, RED));
    expect(at(portrait, 112, 193)).to.satisfy((p: number[]) => isColour(p, BLUE));
  });

  it('enlarges an image smaller than the input to the full input size, still centred', async () => {
    // Act: the central 50×50 square grows 4.5 times
    const image = await fitted(await bands(150, 50));

    // Assess: green to within a few pixels of each edge; a cut one source pixel off centre would bring
    // four and a half columns of red or blue in
    expect([image.width, image.height, image.channels]).to.deep.equal([224, 224, 3]);
    expect(image.original).to.deep.equal({ width: 150, height: 50 });
    for (const x of [4, 112, 219]) expect(at(image, x, 112), `pixel ${x},112`).to.satisfy(isGreen);
  });

  it('turns the image upright by its EXIF orientation before cutting', async () => {
    // Prepare: stored 900×300 red | green | blue, orientation 6 = shown rotated 90° clockwise, so
    // upright it is 300×900 with red at the top
    const stored = await bands(900, 300);
    const bytes = await sharp(stored).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();

    // Act
    const image = await fitted(bytes, 'stretch');

    // Assess
    expect(image.original).to.deep.equal({ width: 300, height: 900 });
    expect(at(image, 112, 30)).to.satisfy((p: number[]) => isColour(p, RED));
    expect(at(image, 112, 193)).to.satisfy((p: number[]) => isColour(p, BLUE));
  });

  it('flattens transparency onto white and makes grey images RGB', async () => {
    // Prepare
    const clear = await sharp({
      create: { width: 300, height: 300, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const grey = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080' } })
      .toColourspace('b-w')
      .png()
      .toBuffer();

    // Act
    const white = await fitted(clear);
    const mid = await fitted(grey);

    // Assess
    expect(at(white, 112, 112)).to.deep.equal([255, 255, 255]);
    expect(mid.channels).to.equal(3);
    expect(at(mid, 112, 112)).to.deep.equal([128, 128, 128]);
  });

  it('hands BMP to jimp, whose whole image preprocessing then crops', async () => {
    // Prepare
    const { decodeInput } = loadSharpDecoder()(TARGET);
    const bmp = await new Jimp({ width: 4, height: 3, color: 0x3366ccff }).getBuffer('image/bmp');

    // Act
    const image = await decodeInput(bmp, probeImage(bmp), DEFAULT_LIMITS);

    // Assess
    expect(isFitted(image)).to.equal(false);
    expect([image.width, image.height, image.decoder]).to.deep.equal([4, 3, 'jimp']);
  });
});

describe('sharp decoder', () => {
  it('shrinks a large JPEG on load to twice the model input on its short side and reports the full size', async () => {
    // Prepare
    const { decode } = loadSharpDecoder()(TARGET);
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
    const { decode } = loadSharpDecoder()(TARGET);
    const bytes = await jpeg(300, 200);

    // Act
    const image = await decode(bytes, probeImage(bytes), DEFAULT_LIMITS);

    // Assess
    expect([image.width, image.height]).to.deep.equal([300, 200]);
  });

  it('turns the image upright by its EXIF orientation', async () => {
    // Prepare: orientation 6 = stored landscape, shown rotated by 90°
    const { decode } = loadSharpDecoder()(TARGET);
    const bytes = await jpeg(1200, 800, 6);

    // Act
    const image = await decode(bytes, probeImage(bytes), DEFAULT_LIMITS);

    // Assess
    expect(image.original).to.deep.equal({ width: 800, height: 1200 });
    expect(image.height).to.be.greaterThan(image.width);
  });

  it('hands BMP, which libvips cannot read, to jimp', async () => {
    // Prepare: a 2×1 24-bit BMP (54-byte header, rows padded to 4 bytes)
    const { decode } = loadSharpDecoder()(TARGET);
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
    const { decode } = loadSharpDecoder()(TARGET);
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

  it('gives the same answer with keepPixels, which adds the whole upright image', async () => {
    // Prepare
    const modelDir = await buildTinyMobileNet(tempDir('lambdavision-sharp-pixels-'));
    const classifier = await loadClassifier({ modelDir, backend: 'wasm', decoder: 'sharp' });
    const bytes = await jpeg(1200, 800);

    // Act
    const plain = await classifier.classify(bytes, { allProbabilities: true });
    const kept = await classifier.classify(bytes, { allProbabilities: true, keepPixels: true });

    // Assess
    expect(kept.probabilities).to.deep.equal(plain.probabilities);
    expect(plain.pixels).to.equal(undefined);
    expect([kept.pixels?.width, kept.pixels?.height, kept.pixels?.data.length]).to.deep.equal([
      96,
      64,
      96 * 64 * 4,
    ]);
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

describe('sharp decoder making the input of the real default model', function () {
  this.timeout(60_000);
  let viaSharp: Classifier;
  let viaJimp: Classifier;
  let images: string;
  before(async function () {
    const modelDir = requireShared(this, realModelDir());
    images = requireShared(this, testImagesDir());
    viaSharp = await loadClassifier({ modelDir, backend: 'wasm', decoder: 'sharp' });
    viaJimp = await loadClassifier({ modelDir, backend: 'wasm', decoder: 'jimp' });
  });
  after(() => {
    viaSharp?.dispose();
    viaJimp?.dispose();
  });

  // The labelled JPEGs (the BMPs go to jimp either way): libvips' Lanczos kernel moves scores a little
  // (README, "Preprocessing"); a crop off centre, swapped channels or a wrong range would move them a lot.
  for (const [file, label] of [
    ['parrot.jpg', /^macaw$/],
    ['hot_dog.jpg', /^hotdog/],
  ] as const) {
    it(`finds ${label.source} in ${file} as sure as the whole-image path does`, async () => {
      // Prepare
      const bytes = readFileSync(path.join(images, file));

      // Act
      const sharpTop = (await viaSharp.classify(bytes, { topK: 1 })).predictions[0];
      const jimpTop = (await viaJimp.classify(bytes, { topK: 1 })).predictions[0];

      // Assess
      expect(sharpTop?.label).to.match(label);
      expect(sharpTop?.probability).to.be.closeTo(jimpTop?.probability ?? 0, 0.02);
    });
  }
});
