import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import { type CliIo, runClassify } from '../../scripts/cli/classify-command';
import { photosDir, realModelDir, requireShared, testImagesDir } from '../support/shared-data';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env,
    out: () => out,
    err: () => err,
  };
}

describe('classify command', () => {
  let modelDir: string;
  let photos: string;
  before(async () => {
    modelDir = await buildTinyMobileNet(tempDir());
    photos = tempDir();
    const image = new Jimp({ width: 40, height: 30, color: 0x884422ff });
    writeFileSync(path.join(photos, 'a.png'), await image.getBuffer('image/png'));
    mkdirSync(path.join(photos, 'nested'));
    writeFileSync(path.join(photos, 'nested', 'b.jpg'), await image.getBuffer('image/jpeg'));
    writeFileSync(path.join(photos, 'notes.txt'), 'not picked up: not an image extension');
  });

  it('prints usage and exits 2 when no file is named', async () => {
    const io = captureIo();
    expect(await runClassify(['--model', modelDir], io)).to.equal(2);
    expect(io.err()).to.contain('name at least one image file').and.to.contain('Usage:');
  });

  it('exits 2 on an unknown flag or a bad value, saying which', async () => {
    const io = captureIo();
    expect(await runClassify(['--colour', 'x.jpg'], io)).to.equal(2);
    expect(io.err()).to.contain("'--colour'");
    const io2 = captureIo();
    expect(await runClassify(['--top', '0', photos], io2)).to.equal(2);
    expect(io2.err()).to.contain('--top must be a whole number from 1 to 100');
  });

  it('exits 2 and says how to get a model when the model is missing', async () => {
    const io = captureIo();
    expect(await runClassify(['--model', path.join(tempDir(), 'none'), photos], io)).to.equal(2);
    expect(io.err()).to.contain('MODEL_NOT_FOUND').and.to.contain('lambdavision fetch-model');
  });

  it('walks directories recursively, prints the original line for each image and exits 0', async () => {
    const io = captureIo();
    expect(await runClassify(['--model', modelDir, '--top', '2', photos], io)).to.equal(0);
    const lines = io.out().trim().split('\n');
    expect(lines[0]).to.match(/a\.png: score=\d\.\d{6} classid=\d+ human=.+/);
    expect(lines[2]).to.match(/nested\/b\.jpg: score=/);
    expect(lines).to.have.length(4); // best + one more class per image
    expect(io.err()).to.contain('2 classified, 0 failed');
  });

  it('keeps going past a bad file, reports it with its code on stderr and exits 1', async () => {
    const dir = tempDir();
    copyFileSync(path.join(photos, 'a.png'), path.join(dir, 'good.png'));
    writeFileSync(path.join(dir, 'bad.jpg'), 'this is text, not a JPEG');
    const io = captureIo();
    expect(await runClassify(['--model', modelDir, dir], io)).to.equal(1);
    expect(io.err()).to.match(/bad\.jpg: error UNSUPPORTED_FORMAT: not a recognised image/);
    expect(io.out()).to.match(/good\.png: score=/);
    expect(io.err()).to.contain('1 classified, 1 failed');
  });

  it('writes one JSON object per file with --json, errors included', async () => {
    const dir = tempDir();
    copyFileSync(path.join(photos, 'a.png'), path.join(dir, 'good.png'));
    writeFileSync(path.join(dir, 'empty.png'), '');
    const io = captureIo();
    expect(await runClassify(['--model', modelDir, '--json', '--top', '3', dir], io)).to.equal(1);
    const records = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records[0]).to.deep.include({
      file: path.join(dir, 'empty.png'),
      error: { code: 'EMPTY_IMAGE', message: 'the file is empty (0 bytes)' },
    });
    expect(records[1].predictions).to.have.length(3);
    expect(records[1]).to.include.keys('model', 'backend', 'image', 'timings');
  });

  it('uses LAMBDAVISION_MODEL_DIR when --model is not given', async () => {
    const io = captureIo({ LAMBDAVISION_MODEL_DIR: modelDir });
    expect(await runClassify([path.join(photos, 'a.png')], io)).to.equal(0);
  });

  it('fetches the default model on first use from LAMBDAVISION_MODEL_SOURCE, then classifies', async () => {
    const defaultModelDir = path.join(tempDir(), 'models', 'default');
    const io = { ...captureIo({ LAMBDAVISION_MODEL_SOURCE: modelDir }), defaultModelDir };
    expect(await runClassify([path.join(photos, 'a.png')], io)).to.equal(0);
    expect(io.err()).to.contain('fetching the default model');
    expect(existsSync(path.join(defaultModelDir, 'model.json'))).to.equal(true);
    expect(io.out()).to.match(/a\.png: score=/);
  });

  it('says why and what to do when the default model cannot be fetched', async () => {
    const defaultModelDir = path.join(tempDir(), 'models', 'default');
    const source = path.join(tempDir(), 'missing');
    const io = {
      ...captureIo({ LAMBDAVISION_MODEL_SOURCE: source }),
      defaultModelDir,
    };
    expect(await runClassify([path.join(photos, 'a.png')], io)).to.equal(2);
    // One line after the announcement: the reason, and how to point at a local copy.
    const [announce, ...rest] = io.err().trim().split('\n');
    expect(announce).to.contain('fetching the default model');
    expect(rest).to.have.length(1);
    expect(rest[0]).to.contain('could not be fetched').and.to.contain(source).and.to.contain('--model <dir>');
    expect(rest[0]).to.contain('lambdavision fetch-model --from <dir>');
    expect(existsSync(defaultModelDir)).to.equal(false);
  });

  it('takes a missing file named on the command line as one failed file, and classifies the rest', async () => {
    const io = captureIo();
    const missing = path.join(photos, 'no-such.png');
    expect(await runClassify(['--model', modelDir, missing, path.join(photos, 'a.png')], io)).to.equal(1);
    expect(io.err()).to.contain(`${missing}: error ENOENT`);
    expect(io.out()).to.match(/a\.png: score=/);
    expect(io.err()).to.contain('1 classified, 1 failed');
  });

  it('stops between files once its signal is aborted (Ctrl-C) and exits 130', async () => {
    const stop = new AbortController();
    const io = { ...captureIo(), signal: stop.signal };
    const write = io.stdout.write;
    io.stdout.write = (s: string) => {
      stop.abort();
      return write(s);
    };
    const files = [path.join(photos, 'a.png'), path.join(photos, 'a.png'), path.join(photos, 'a.png')];
    expect(await runClassify(['--model', modelDir, ...files], io)).to.equal(130);
    expect(io.err())
      .to.contain('1 classified, 0 failed')
      .and.to.contain('interrupted: 2 file(s) not classified');
  });

  it('prints the expected classes for the shared test images', async function () {
    const realModel = requireShared(this, realModelDir());
    const images = requireShared(this, testImagesDir());
    const io = captureIo();
    expect(await runClassify(['--model', realModel, '--top', '1', images], io)).to.equal(0);
    const out = io.out();
    expect(out).to.match(/bird\.bmp: score=0\.99\d+ classid=19 human=chickadee/);
    expect(out).to.match(/parrot\.jpg: score=0\.99\d+ classid=88 human=macaw/);
    expect(out).to.match(/hot_dog\.jpg: score=0\.9\d+ classid=934 human=hotdog/);
    expect(out).to.match(/cat\.bmp: score=0\.\d+ classid=285 human=Egyptian cat/);
  });
});

describe('classify --jobs', () => {
  for (const value of ['0', '-1', 'abc', '1.5']) {
    it(`refuses --jobs=${value} with the usage, exit 2`, async () => {
      const io = captureIo();
      expect(await runClassify([`--jobs=${value}`, 'x.jpg'], io)).to.equal(2);
      expect(io.err()).to.contain('--jobs must be a whole number from 1 to 64').and.to.contain('Usage:');
    });
  }

  describe('with the real model', () => {
    let realModel: string;
    let files: string[];
    before(function () {
      realModel = requireShared(this, realModelDir());
      const images = requireShared(this, testImagesDir());
      const photos = requireShared(this, photosDir());
      files = [images, photos].flatMap((dir) =>
        readdirSync(dir)
          .filter((name) => /\.(jpe?g|bmp)$/i.test(name))
          .sort()
          .map((name) => path.join(dir, name)),
      );
    });

    const jsonLines = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);

    /** Output captured; this thread starts with the worker, so that each gets files. */
    const together = () => ({ ...captureIo(), startTogether: true });
    const inWorkers = (err: string) => Number(/ (\d+) of them in worker threads/.exec(err)?.[1]);

    it('gives with --jobs 2 (a worker thread too) the results of 1, classes and scores, in input order', async function () {
      // Two runs of the real model over 24 photos, the second loading it in a worker too.
      this.timeout(240_000);
      // Prepare: the list twice, so each thread gets several files
      const twice = [...files, ...files];
      const one = captureIo();
      const two = together();
      // Act
      expect(await runClassify(['--model', realModel, '--json', '--jobs', '1', ...twice], one)).to.equal(0);
      expect(await runClassify(['--model', realModel, '--json', '--jobs', '2', ...twice], two)).to.equal(0);
      // Assess
      expect(one.err()).not.to.contain('worker');
      expect(two.err()).to.contain(`; ${twice.length} file(s), 2 jobs (this thread and 1 worker thread)`);
      const [serial, parallel] = [jsonLines(one.out()), jsonLines(two.out())];
      expect(parallel.map((r) => r.file)).to.deep.equal(twice);
      // Everything but the timings: file, predictions (classes and probabilities), model, backend, decoder, image.
      const untimed = ({ timings: _timings, ...rest }: Record<string, unknown>) => rest;
      expect(parallel.map(untimed)).to.deep.equal(serial.map(untimed));
      expect(serial[0]?.predictions).to.have.length(5);
      expect(two.err()).to.contain(`${twice.length} classified, 0 failed`);
      expect(inWorkers(two.err())).to.be.within(1, twice.length - 1);
    });

    it('reports a bad file among good ones with its code, in its place, and classifies the others (exit 1)', async function () {
      this.timeout(120_000);
      // Prepare
      const dir = tempDir();
      const bad = path.join(dir, 'bad.jpg');
      writeFileSync(bad, 'this is text, not a JPEG');
      const missing = path.join(dir, 'gone.png');
      // The worker takes two of the first three files (one runs, one waits), so at least one bad file.
      const list = [bad, files[0], bad, missing, files[1], bad] as string[];
      const io = together();
      // Act
      expect(await runClassify(['--model', realModel, '--json', '--jobs', '2', ...list], io)).to.equal(1);
      // Assess
      const lines = jsonLines(io.out());
      expect(lines.map((r) => r.file)).to.deep.equal(list);
      expect(lines.map((r) => (r.error as { code?: string } | undefined)?.code ?? 'ok')).to.deep.equal([
        'UNSUPPORTED_FORMAT',
        'ok',
        'UNSUPPORTED_FORMAT',
        'ENOENT',
        'ok',
        'UNSUPPORTED_FORMAT',
      ]);
      expect(io.err()).to.contain('2 classified, 4 failed');
      expect(inWorkers(io.err())).to.be.at.least(2);
    });

    it('stops on Ctrl-C after the first result and exits 130, printing in order every file finished', async function () {
      this.timeout(120_000);
      const stop = new AbortController();
      const io = { ...together(), signal: stop.signal };
      const write = io.stdout.write;
      io.stdout.write = (s: string) => {
        stop.abort();
        return write(s);
      };
      // 36 distinct names (copies in a temporary folder), so each printed line has one place.
      const dir = tempDir();
      const many = [0, 1, 2].flatMap((round) =>
        files.map((file) => {
          const copy = path.join(dir, `${round}-${path.basename(file)}`);
          copyFileSync(file, copy);
          return copy;
        }),
      );
      expect(await runClassify(['--model', realModel, '--json', '--jobs', '2', ...many], io)).to.equal(130);
      const printed = jsonLines(io.out()).map((r) => r.file as string);
      // Files finished after the first printed are printed too (a worker's may come back late), in input order.
      expect(printed.length).to.be.within(1, many.length - 1);
      const positions = printed.map((file) => many.indexOf(file));
      expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
      expect(positions).not.to.include(-1);
      expect(io.err())
        .to.contain(`${printed.length} classified, 0 failed`)
        .and.to.contain(`interrupted: ${many.length - printed.length} file(s) not classified`);
    });

    it('stops a worker still loading its model on Ctrl-C, without waiting for it (exit 130)', async function () {
      this.timeout(120_000);
      const stop = new AbortController();
      const io = { ...together(), signal: stop.signal };
      const write = io.stderr.write;
      io.stderr.write = (s: string) => {
        if (s.includes('2 jobs')) stop.abort(); // the header: the worker is loading
        return write(s);
      };
      expect(await runClassify(['--model', realModel, '--jobs', '2', ...files], io)).to.equal(130);
      expect(io.out()).to.equal('');
      expect(io.err())
        .to.contain('0 classified, 0 failed')
        .and.to.contain(`interrupted: ${files.length} file(s) not classified`)
        .and.not.to.contain('could not start');
    });
  });
});
