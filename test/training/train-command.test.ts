import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCode, loadClassifier } from '../../function/classifier/index';
import { usageOf } from '../../scripts/cli/command';
import { type CommandIo, runTrain, trainCommand } from '../../scripts/cli/train-command';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';
import { colourPng, writeColourSet } from './support/colour-set';

function capture(): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

describe('lambdavision train', function () {
  this.timeout(120_000);
  let dir: string;
  let base: string;
  let data: string;
  let test: string;
  let cache: string;
  const train = async (args: string[]) => {
    const io = capture();
    const status = await runTrain([...args, '--base', base, '--cache', cache, '--workers', '1'], io);
    return { status, io };
  };

  before(async () => {
    dir = tempDir();
    base = await buildTinyMobileNet(path.join(dir, 'base'), { size: 32, classes: 5 });
    // blue has too few images for the softmax layer: it gets nearest neighbours.
    data = writeColourSet(path.join(dir, 'data'), { red: 12, green: 12, blue: 4 });
    writeFileSync(path.join(data, 'red', 'broken.png'), Buffer.from('not a png at all'));
    test = writeColourSet(path.join(dir, 'test'), { red: 3, green: 3, blue: 2 }, 100_000);
    cache = path.join(dir, 'cache');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its usage for --help and refuses a missing --out', async () => {
    const help = capture();
    expect(await runTrain(['--help'], help)).to.equal(0);
    expect(help.out()).to.equal(`${usageOf(trainCommand)}\n`);
    const { status, io } = await train([data]);
    expect(status).to.equal(2);
    expect(io.err()).to.include('--out <dir> is required');
  });

  it('writes a model folder the classifier loads, skipping the unreadable image with its code', async () => {
    // Act
    const out = path.join(dir, 'colours');
    const { status, io } = await train([data, '--test', test, '--out', out, '--seed', '7']);

    // Assess: the run
    expect(status, io.err()).to.equal(0);
    expect(io.out()).to.match(/broken\.png: UNSUPPORTED_FORMAT/);
    expect(io.out()).to.include('nearest neighbours for: blue');
    expect(io.out()).to.match(/embeddings: 36 extracted, 0 from the cache/);
    expect(readdirSync(out).sort()).to.deep.equal([
      'base',
      'evaluation.html',
      'evaluation.json',
      'evaluation.md',
      'head.bin',
      'labels.json',
      'lambdavision.json',
      'provenance.json',
    ]);
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).to.deep.equal([]);
    const provenance = JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8'));
    expect(provenance.counts).to.deep.equal({
      blue: { train: 4, test: 2 },
      green: { train: 12, test: 3 },
      red: { train: 12, test: 3 },
    });
    expect(provenance.head).to.include({ seed: 7 });
    expect(provenance.skipped[0]).to.include({ code: ErrorCode.UNSUPPORTED_FORMAT });
    expect(provenance.evaluation.macroF1).to.equal(1);

    // Assess: the model answers like any other
    const classifier = await loadClassifier({ modelDir: out });
    expect(classifier.model).to.include({ classes: 3, output: 'probabilities' });
    for (const colour of ['red', 'green', 'blue'] as const) {
      const result = await classifier.classify(colourPng(colour, 999_999));
      expect(result.predictions[0]?.label).to.equal(colour);
    }
    classifier.dispose();
  });

  it('gives the same weights for the same seed, from the cache the second time', async () => {
    const again = path.join(dir, 'again');
    const { status, io } = await train([data, '--test', test, '--out', again, '--seed', '7']);
    expect(status, io.err()).to.equal(0);
    expect(io.out()).to.match(/embeddings: 0 extracted, 36 from the cache/);
    expect(readFileSync(path.join(again, 'head.bin'))).to.deep.equal(
      readFileSync(path.join(dir, 'colours', 'head.bin')),
    );
  });

  it('refuses an existing output folder without --force; replaces it with --force, removing what a killed run left', async () => {
    const out = path.join(dir, 'colours');
    const leftover = path.join(dir, '.colours.partial-1234-5678');
    mkdirSync(leftover);
    writeFileSync(path.join(leftover, 'head.bin'), 'half');
    const refused = await train([data, '--test', test, '--out', out]);
    expect(refused.status).to.equal(2);
    expect(refused.io.err()).to.include(`error: ${ErrorCode.OUTPUT_EXISTS}: ${out} already exists`);
    const forced = await train([data, '--out', out, '--force']);
    expect(forced.status, forced.io.err()).to.equal(0);
    expect(forced.io.out()).to.match(/test: \d+ images/);
    expect(existsSync(leftover)).to.equal(false);
    expect(JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8')).data.split).to.deep.equal({
      fraction: 0.2,
      seed: 42,
    });
  });

  it('refuses one label, and the same image in training and test data, leaving no model behind', async () => {
    const single = writeColourSet(path.join(dir, 'single'), { red: 3 });
    const one = await train([single, '--out', path.join(dir, 'one')]);
    expect(one.status).to.equal(2);
    expect(one.io.err()).to.include(`${ErrorCode.TOO_FEW_LABELS}: ${single} has one label ("red")`);

    const overlapping = path.join(dir, 'overlap');
    mkdirSync(path.join(overlapping, 'red'), { recursive: true });
    writeFileSync(
      path.join(overlapping, 'red', 'copy.png'),
      readFileSync(path.join(data, 'red', 'red-0.png')),
    );
    const out = path.join(dir, 'not-written');
    const clash = await train([data, '--test', overlapping, '--out', out]);
    expect(clash.status).to.equal(2);
    expect(clash.io.err()).to.match(/TRAIN_TEST_OVERLAP: 1 image\(s\) are in both/);
    expect(existsSync(out)).to.equal(false);
  });
});
