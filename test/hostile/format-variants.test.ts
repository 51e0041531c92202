import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type Classifier, type DecoderName, ErrorCode, loadClassifier } from '../../function/classifier';
import { loadSharp } from '../support/hostile-corpus';
import { realModelDir, testImagesDir } from '../support/shared-data';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

type Outcome = 'classified' | { code: string; message: RegExp };

interface Variant {
  name: string;
  /** The installed tool that writes it (the test skips the variant, saying so, where it is absent). */
  tool: string;
  /** Writes the variant from `source` (a JPEG) and the PPM beside it into `out`. */
  make: (source: string, ppm: string, out: string) => string[];
  sharp: Outcome;
  jimp: Outcome;
}

const unsupported = (message: RegExp): Outcome => ({ code: ErrorCode.UNSUPPORTED_FORMAT, message });

/**
 * Formats people upload, each written from one photo by the tool people would use. Every file libvips
 * reads classifies (with the real model: as the original does); every other one is refused as
 * unsupported, by name. None is called damaged.
 */
const VARIANTS: Variant[] = [
  {
    name: 'lossy.webp',
    tool: 'cwebp',
    make: (src, _ppm, out) => ['cwebp', '-quiet', '-q', '85', src, '-o', out],
    sharp: 'classified',
    jimp: unsupported(/^WebP is not supported/),
  },
  {
    name: 'lossless.webp',
    tool: 'cwebp',
    make: (src, _ppm, out) => ['cwebp', '-quiet', '-lossless', src, '-o', out],
    sharp: 'classified',
    jimp: unsupported(/^WebP is not supported/),
  },
  {
    name: 'arithmetic.jpg',
    tool: 'cjpeg',
    make: (_src, ppm, out) => ['cjpeg', '-arithmetic', '-quality', '92', '-outfile', out, ppm],
    sharp: 'classified',
    jimp: unsupported(/arithmetic-coded JPEG/),
  },
  {
    name: 'cmyk.jpg',
    tool: 'convert',
    make: (src, _ppm, out) => ['convert', src, '-colorspace', 'CMYK', '-quality', '92', out],
    sharp: 'classified',
    jimp: 'classified',
  },
  {
    name: 'planar.tif',
    tool: 'tiffcp',
    make: (_src, ppm, out) => [
      'sh',
      '-c',
      `convert "${ppm}" "${out}.chunky.tif" && tiffcp -p separate "${out}.chunky.tif" "${out}"`,
    ],
    sharp: 'classified',
    jimp: unsupported(/separate colour planes/),
  },
  {
    name: 'cmyk.tif',
    tool: 'convert',
    make: (src, _ppm, out) => ['convert', src, '-colorspace', 'CMYK', out],
    sharp: 'classified',
    jimp: unsupported(/separated \(CMYK\)|CMYK/),
  },
  {
    name: 'bigtiff.tif',
    tool: 'tiffcp',
    make: (_src, ppm, out) => [
      'sh',
      '-c',
      `convert "${ppm}" "${out}.chunky.tif" && tiffcp -8 "${out}.chunky.tif" "${out}"`,
    ],
    sharp: unsupported(/BigTIFF/),
    jimp: unsupported(/BigTIFF/),
  },
  {
    name: 'os2.bmp',
    tool: 'convert',
    make: (src, _ppm, out) => ['convert', src, `BMP2:${out}`],
    sharp: unsupported(/OS\/2 BMP/),
    jimp: unsupported(/OS\/2 BMP/),
  },
  {
    name: 'rle8.bmp',
    tool: 'convert',
    make: (src, _ppm, out) => ['convert', src, '-colors', '256', '-compress', 'RLE', `BMP3:${out}`],
    sharp: unsupported(/run-length/),
    jimp: unsupported(/run-length/),
  },
];

const has = (tool: string): boolean => spawnSync(tool, ['-version']).error === undefined;

describe('formats people upload, written by the tools people use', function () {
  this.timeout(300_000);
  let work: string;
  let source: string;
  let expectedTop1: string | undefined;
  const files = new Map<string, Uint8Array>();
  const classifiers = new Map<DecoderName, Classifier>();

  before(async function () {
    work = mkdtempSync(path.join(tmpdir(), 'lambdavision-variants-'));
    const images = testImagesDir();
    const modelDir = realModelDir() ?? (await buildTinyMobileNet(tempDir()));
    if (images) {
      source = path.join(images, 'parrot.jpg');
      expectedTop1 = realModelDir() ? 'macaw' : undefined;
    } else {
      console.log('      real photo absent (LAMBDAVISION_SHARED): the variants are made from a gradient');
      const sharp = await loadSharp();
      if (!sharp) this.skip();
      source = path.join(work, 'gradient.jpg');
      const pixels = Buffer.alloc(320 * 240 * 3, 0).map((_, i) => (i * 7) % 251);
      writeFileSync(
        source,
        await sharp(pixels, { raw: { width: 320, height: 240, channels: 3 } })
          .jpeg()
          .toBuffer(),
      );
    }
    if (!has('djpeg')) {
      console.log('      skipped: djpeg (libjpeg-turbo-progs) is absent');
      this.skip();
    }
    const ppm = path.join(work, 'source.ppm');
    spawnSync('djpeg', ['-outfile', ppm, source]);
    for (const v of VARIANTS) {
      if (!has(v.tool)) {
        console.log(`      ${v.name} left out: ${v.tool} is not installed`);
        continue;
      }
      const out = path.join(work, v.name);
      const [command, ...args] = v.make(source, ppm, out);
      const run = spawnSync(command as string, args, { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${v.tool} could not write ${v.name}: ${run.stderr}`);
      files.set(v.name, readFileSync(out));
    }
    classifiers.set('jimp', await loadClassifier({ modelDir, backend: 'wasm', decoder: 'jimp' }));
    if (await loadSharp()) {
      classifiers.set('sharp', await loadClassifier({ modelDir, backend: 'wasm', decoder: 'sharp' }));
    } else console.log('      sharp is not installed: only the jimp decoder is tried');
  });

  after(() => {
    for (const c of classifiers.values()) c.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const v of VARIANTS) {
    for (const decoder of ['sharp', 'jimp'] as const) {
      const want = v[decoder];
      it(`${want === 'classified' ? 'classifies' : 'refuses as unsupported'} ${v.name} with ${decoder}`, async function () {
        const bytes = files.get(v.name);
        const classifier = classifiers.get(decoder);
        if (!bytes || !classifier) this.skip();
        const outcome = await classifier.classify(bytes, { topK: 1 }).catch((e: Error) => e);
        if (want === 'classified') {
          expect(outcome, String(outcome)).to.not.be.instanceOf(Error);
          const result = outcome as Awaited<ReturnType<Classifier['classify']>>;
          if (expectedTop1) expect(result.predictions[0]?.label).to.equal(expectedTop1);
        } else {
          expect(outcome).to.be.instanceOf(Error);
          expect((outcome as { code?: string }).code, String(outcome)).to.equal(want.code);
          expect((outcome as Error).message).to.match(want.message);
        }
      });
    }
  }
});
