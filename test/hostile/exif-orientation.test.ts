import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { DEFAULT_LIMITS, decodeWithJimp, loadClassifier, probeImage } from '../../function/classifier';
import {
  encodeJpeg,
  exifOrientationSegment,
  insertAfterSoi,
  meanAbsDiff,
  quadrants,
  type Rgba,
  storedForOrientation,
} from '../support/image-writers';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';

const ORIENTATIONS = [1, 2, 3, 4, 5, 6, 7, 8];
const decode = (bytes: Uint8Array) => decodeWithJimp(bytes, probeImage(bytes), DEFAULT_LIMITS);

/** A JPEG whose stored pixels are `upright` turned for `orientation`, tagged so that viewers turn it back. */
async function orientedJpeg(upright: Rgba, orientation: number, bigEndian = false): Promise<Buffer> {
  const stored = await encodeJpeg(storedForOrientation(upright, orientation), 95);
  return insertAfterSoi(stored, exifOrientationSegment(orientation, bigEndian));
}

describe('EXIF orientation', function () {
  this.timeout(120_000);
  const upright = quadrants(64, 32);

  for (const orientation of ORIENTATIONS) {
    it(`turns a JPEG tagged with orientation ${orientation} upright (little- and big-endian EXIF)`, async () => {
      for (const bigEndian of [false, true]) {
        const image = await decode(await orientedJpeg(upright, orientation, bigEndian));
        expect([image.width, image.height]).to.deep.equal([64, 32]);
        expect(meanAbsDiff(image, upright)).to.be.below(4);
      }
    });
  }

  it('would notice a decoder that ignored or misapplied the tag: every orientation looks different', () => {
    for (const a of ORIENTATIONS) {
      for (const b of ORIENTATIONS) {
        if (a === b) continue;
        const seenA = storedForOrientation(upright, a);
        const seenB = storedForOrientation(upright, b);
        // Same size or not, two orientations never give pixels within the 4-level tolerance used above.
        expect(meanAbsDiff(seenA, seenB), `${a} vs ${b}`).to.be.above(40);
      }
    }
  });

  it('ignores an orientation that is out of range or not a single SHORT', async () => {
    const plain = await encodeJpeg(upright, 95);
    const outOfRange = insertAfterSoi(plain, exifOrientationSegment(9));
    const twoValues = exifOrientationSegment(6);
    twoValues.writeUInt32LE(2, 4 + 6 + 10 + 4); // count 2: the value is then an offset, not an orientation
    for (const bytes of [outOfRange, insertAfterSoi(plain, twoValues)]) {
      const image = await decode(bytes);
      expect(meanAbsDiff(image, upright)).to.be.below(4);
    }
  });

  it('gives the real model the same top-1 for a photo stored turned in each of the 8 ways', async function () {
    const modelDir = requireShared(this, realModelDir());
    const images = requireShared(this, testImagesDir());
    const classifier = await loadClassifier({ modelDir, backend: 'wasm' });
    try {
      const photo = await decode(await readFile(path.join(images, 'parrot.jpg')));
      const reference = await classifier.classify(await encodeJpeg(photo, 95), { topK: 1 });
      const top = reference.predictions[0];
      const seen: string[] = [];
      for (const orientation of ORIENTATIONS) {
        const result = await classifier.classify(await orientedJpeg(photo, orientation), { topK: 1 });
        const best = result.predictions[0];
        seen.push(`${orientation}:${best?.label} ${best?.probability.toFixed(3)}`);
        expect(best?.classId, `orientation ${orientation}`).to.equal(top?.classId);
        expect([result.image.width, result.image.height]).to.deep.equal([photo.width, photo.height]);
      }
      console.log(
        `      parrot.jpg upright: ${top?.label} ${top?.probability.toFixed(3)}; by orientation: ${seen.join(', ')}`,
      );
    } finally {
      classifier.dispose();
    }
  });
});
