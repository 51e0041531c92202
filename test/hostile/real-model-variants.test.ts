import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import {
  type Classifier,
  DEFAULT_LIMITS,
  decodeWithJimp,
  loadClassifier,
  probeImage,
} from '../../function/classifier';
import { loadSharp } from '../support/hostile-corpus';
import {
  encodeBmp,
  encodeJpeg,
  encodeTiff,
  gradient,
  interlacedPng,
  type Rgba,
  rgb16Png,
  rgbaPng,
  stripedTiffPage,
  tiffPage,
  tiledTiffPage,
  toGifWithJimp,
} from '../support/image-writers';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';

/**
 * The same photo in every container and layout the decoder reads must give the real model the same
 * top-1 as the original file: a layout the decoder gets subtly wrong (channel order, 16-bit scaling,
 * palette, strips, first page) shows up as a different class.
 */
describe('the real model on one photo in every container', function () {
  this.timeout(300_000);
  let classifier: Classifier;
  let images: string;

  before(async function () {
    const modelDir = requireShared(this, realModelDir());
    images = requireShared(this, testImagesDir());
    classifier = await loadClassifier({ modelDir, backend: 'wasm' });
  });

  after(() => classifier?.dispose());

  for (const [file, expected] of [
    ['parrot.jpg', 'macaw'],
    ['bird.bmp', 'chickadee'],
  ] as const) {
    it(`gives ${file} the top-1 "${expected}" as JPEG, PNG (8/16-bit, interlaced), GIF, BMP and TIFF (strips, tiles, pages)`, async () => {
      const original = await readFile(path.join(images, file));
      const photo: Rgba = await decodeWithJimp(original, probeImage(original), DEFAULT_LIMITS);
      const variants: Array<[string, Uint8Array]> = [
        ['original', original],
        ['jpeg', await encodeJpeg(photo, 95)],
        ['png', rgbaPng(photo)],
        ['png 16-bit', rgb16Png(photo)],
        ['png interlaced', interlacedPng(photo)],
        ['gif (256 colours)', await toGifWithJimp(photo)],
        ['bmp 24-bit', encodeBmp(photo)],
        ['bmp 32-bit top-down', encodeBmp(photo, { bits: 32, topDown: true })],
        ['tiff', encodeTiff([tiffPage(photo)])],
        ['tiff 16-bit', encodeTiff([tiffPage(photo, { bits: 16 })])],
        ['tiff lzw strips', encodeTiff([await stripedTiffPage(photo, 'lzw', 64)])],
        ['tiff deflate strips', encodeTiff([await stripedTiffPage(photo, 'deflate', 64)])],
        ['tiff jpeg strips', encodeTiff([await stripedTiffPage(photo, 'jpeg', 64)])],
        ['tiff tiles', encodeTiff([tiledTiffPage(photo, 64)])],
        ['tiff first of two pages', encodeTiff([tiffPage(photo), tiffPage(gradient(64, 64))])],
      ];
      const sharp = await loadSharp();
      if (sharp) {
        const raw = sharp(Buffer.from(photo.data), {
          raw: { width: photo.width, height: photo.height, channels: 4 },
        });
        variants.push(
          [
            'jpeg progressive',
            await raw.clone().removeAlpha().jpeg({ quality: 95, progressive: true }).toBuffer(),
          ],
          ['jpeg cmyk', await raw.clone().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()],
        );
      }
      const seen: string[] = [];
      for (const [name, bytes] of variants) {
        const result = await classifier.classify(bytes, { topK: 1 });
        const top = result.predictions[0];
        seen.push(`${name}: ${top?.label} ${top?.probability.toFixed(3)}`);
        expect(top?.label, `${file} as ${name}`).to.equal(expected);
      }
      console.log(`      ${file}: ${seen.join('; ')}`);
    });
  }
});
