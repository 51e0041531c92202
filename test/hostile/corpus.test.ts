import { expect } from 'chai';
import {
  type Classifier,
  DEFAULT_LIMITS,
  decodeWithJimp,
  loadClassifier,
  probeImage,
} from '../../function/classifier';
import {
  buildHostileCorpus,
  expectationFor,
  type HostileCase,
  loadSharp,
  type Outcome,
  runCase,
  Tally,
} from '../support/hostile-corpus';
import { meanAbsDiff } from '../support/image-writers';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

// Built once at load: mocha names one test per case.
const { cases, skipped } = await buildHostileCorpus();

const describeOutcome = (o: Outcome): string =>
  o.kind === 'classified'
    ? `classified (${o.width}×${o.height})`
    : o.kind === 'refused'
      ? `${o.code}: ${o.message}`
      : `crashed: ${String((o.error as Error)?.stack ?? o.error)}`;

const title = (c: HostileCase): string =>
  `${c.expect === 'classified' ? 'classifies' : `refuses with ${c.expect}`} ${c.name} (${c.what})`;

describe('hostile input through the classifier core', function () {
  this.timeout(120_000);
  let classifier: Classifier;
  const tally = new Tally();

  before(async () => {
    classifier = await loadClassifier({ modelDir: await buildTinyMobileNet(tempDir()), backend: 'wasm' });
    if (skipped.length > 0)
      console.log(`      sharp could not be loaded; cases left out: ${skipped.join(', ')}`);
  });

  after(() => {
    console.log(`      ${tally.summary('hostile corpus')}`);
    classifier?.dispose();
  });

  it('holds every kind of hostile file docs/hostile-input.md lists', () => {
    const names = new Set(cases.map((c) => c.name));
    const required = [
      'empty.jpg',
      'notes.jpg',
      'truncated-10.jpg',
      'truncated-50.jpg',
      'truncated-90.jpg',
      'bad-markers.jpg',
      'bad-crc.png',
      'bomb-50000x50000.png',
      'bomb-65500x65500.png',
      'bomb-50000x50000.jpg',
      'bomb-65500x65500.jpg',
      'over-byte-cap.png',
      'animated.gif',
      'photo-16bit.png',
      'photo-16bit.tif',
      'photo-gray.png',
      'photo-palette.png',
      'photo-alpha.png',
      'one-pixel.png',
      'wide-10000x10.png',
      'multi-page.tif',
      ...Array.from({ length: 8 }, (_, i) => `exif-orientation-${i + 1}.jpg`),
      'drawing.svg',
      'IMG_0001.HEIC',
      'scan.pdf',
      'photo-is-jpeg.png',
    ];
    expect(required.filter((n) => !names.has(n))).to.deep.equal([]);
    // CMYK JPEG needs sharp to be written; it is listed as skipped when sharp is absent.
    expect(names.has('cmyk.jpg') || skipped.includes('cmyk.jpg')).to.equal(true);
  });

  for (const c of cases) {
    it(title(c), async () => {
      const outcome = await runCase(classifier, c.bytes);
      tally.add(c.name, outcome);
      const got = outcome.kind === 'refused' ? outcome.code : outcome.kind;
      expect(got, describeOutcome(outcome)).to.equal(c.expect);
      if (c.message) expect(outcome.kind === 'refused' && outcome.message).to.match(c.message);
      if (outcome.kind === 'classified' && c.size) {
        expect([outcome.width, outcome.height]).to.deep.equal(c.size);
      }
      if (c.pixels) {
        const image = await decodeWithJimp(c.bytes, probeImage(c.bytes, DEFAULT_LIMITS), DEFAULT_LIMITS);
        expect(meanAbsDiff(image, c.pixels), 'mean absolute difference from the source pixels').to.be.at.most(
          c.tolerance ?? 0,
        );
      }
    });
  }

  it('crashed on none of them', () => {
    expect(tally.tried).to.equal(cases.length);
    expect(tally.crashed).to.equal(0);
  });
});

describe('hostile input through the classifier core with the sharp decoder', function () {
  this.timeout(120_000);
  let classifier: Classifier | undefined;
  const tally = new Tally();

  before(async function () {
    if (!(await loadSharp())) {
      console.log('      skipped: sharp is not installed (npm install sharp)');
      this.skip();
    }
    classifier = await loadClassifier({
      modelDir: await buildTinyMobileNet(tempDir()),
      backend: 'wasm',
      decoder: 'sharp',
    });
  });

  after(() => {
    if (tally.tried > 0) console.log(`      ${tally.summary('hostile corpus, sharp')}`);
    classifier?.dispose();
  });

  for (const c of cases) {
    const expected = expectationFor(c, 'sharp');
    it(`${expected === 'classified' ? 'classifies' : `refuses with ${expected}`} ${c.name}${c.sharp ? ` (${c.sharp.why})` : ''}`, async () => {
      const outcome = await runCase(classifier as Classifier, c.bytes);
      tally.add(c.name, outcome);
      const got = outcome.kind === 'refused' ? outcome.code : outcome.kind;
      expect(got, describeOutcome(outcome)).to.equal(expected);
      if (outcome.kind === 'classified' && c.size) {
        expect([outcome.width, outcome.height]).to.deep.equal(c.size);
      }
    });
  }

  it('crashed on none of them', () => {
    expect(tally.crashed).to.equal(0);
  });
});
