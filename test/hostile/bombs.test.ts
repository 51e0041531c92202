import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import {
  type Classifier,
  DEFAULT_LIMITS,
  ErrorCode,
  loadClassifier,
  probeImage,
} from '../../function/classifier';
import { buildHostileCorpus, runCase } from '../support/hostile-corpus';
import { gradient, rgbaPng } from '../support/image-writers';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

const { cases } = await buildHostileCorpus();
// Files whose header claims more pixels than the limit: the PNG/JPEG/GIF/BMP/TIFF bombs.
const bombs = cases.filter((c) => c.name.startsWith('bomb-'));
const MB = 2 ** 20;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

/** The shortest prefix of the file from which the probe already refuses it as too large. */
function headerBytesNeeded(bytes: Uint8Array): number | undefined {
  for (let length = 1; length <= bytes.length; length++) {
    if (codeOf(() => probeImage(bytes.subarray(0, length))) === ErrorCode.IMAGE_TOO_LARGE) return length;
  }
  return undefined;
}

describe('decompression bombs', function () {
  this.timeout(60_000);
  let classifier: Classifier;

  before(async () => {
    classifier = await loadClassifier({ modelDir: await buildTinyMobileNet(tempDir()), backend: 'wasm' });
  });

  after(() => classifier?.dispose());

  it('are refused from the header alone: the first few hundred bytes decide', () => {
    expect(bombs.map((b) => b.name)).to.include.members([
      'bomb-50000x50000.png',
      'bomb-65500x65500.png',
      'bomb-50000x50000.jpg',
      'bomb-65500x65500.jpg',
      'bomb-65535x65535.gif',
      'bomb-frame.gif',
      'bomb-50000x50000.bmp',
      'bomb-65500x65500.tif',
    ]);
    const needed = bombs.map((b) => [b.name, headerBytesNeeded(b.bytes), b.bytes.length] as const);
    console.log(
      `      header bytes that decide (of the file): ${needed.map(([n, h, t]) => `${n} ${h}/${t}`).join(', ')}`,
    );
    for (const [name, header] of needed) {
      expect(header, name).to.be.a('number');
      expect(header as number, name).to.be.at.most(1024);
    }
  });

  it('cost next to no memory: a thousand refusals allocate less than 16 MB', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage();
    const times: number[] = [];
    for (let round = 0; round < 1000 / bombs.length; round++) {
      for (const bomb of bombs) {
        const outcome = await runCase(classifier, bomb.bytes);
        expect(outcome.kind === 'refused' && outcome.code, bomb.name).to.equal(ErrorCode.IMAGE_TOO_LARGE);
        times.push(outcome.ms);
      }
    }
    const after = process.memoryUsage();
    const grown = (after.arrayBuffers - before.arrayBuffers + after.heapUsed - before.heapUsed) / MB;
    times.sort((a, b) => a - b);
    console.log(
      `      ${times.length} bomb refusals: median ${(times[times.length >> 1] as number).toFixed(3)} ms, slowest ${(times[times.length - 1] as number).toFixed(3)} ms; heap + buffers grew ${grown.toFixed(1)} MB, rss ${((after.rss - before.rss) / MB).toFixed(1)} MB`,
    );
    // Decoding even one of them would need gigabytes.
    expect(grown).to.be.below(16);
  });

  it('leave images right at the pixel limit alone, and refuse one pixel more', async () => {
    const limits = { ...DEFAULT_LIMITS, maxPixels: 400 * 300 };
    const small = await loadClassifier({
      modelDir: await buildTinyMobileNet(tempDir()),
      backend: 'wasm',
      limits,
    });
    try {
      const atLimit = await runCase(small, rgbaPng(gradient(400, 300)));
      const over = await runCase(small, rgbaPng(gradient(401, 300)));
      expect(atLimit.kind).to.equal('classified');
      expect(over.kind === 'refused' && over.code).to.equal(ErrorCode.IMAGE_TOO_LARGE);
      expect(over.kind === 'refused' && over.message).to.match(/401×300/);
    } finally {
      small.dispose();
    }
  });
});
