import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { usageOf } from '../../scripts/cli/command';
import { evaluateCommand, runEvaluate } from '../../scripts/cli/evaluate-command';
import type { EvaluationReport } from '../../training/index';
import { captureIo } from '../support/capture-io';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';
import { tempDir } from '../support/tiny-models';

describe('lambdavision evaluate', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its usage for --help and refuses two data sources', async () => {
    const help = captureIo();
    expect(await runEvaluate(['--help'], help.io)).to.equal(0);
    expect(help.out()).to.equal(`${usageOf(evaluateCommand)}\n`);
    const two = captureIo();
    expect(await runEvaluate(['a', 'b'], two.io)).to.equal(2);
    expect(two.err()).to.include('too many arguments');
  });

  it('evaluates an ImageNet model on folders named after its classes, counting other answers apart', async function () {
    // Prepare: "macaw" and "hotdog" are ImageNet names ("hotdog, hot dog, red hot"); "cat" is none.
    const model = requireShared(this, realModelDir());
    const images = requireShared(this, testImagesDir());
    for (const [label, file] of [
      ['macaw', 'parrot.jpg'],
      ['hotdog', 'hot_dog.jpg'],
      ['cat', 'cat.bmp'],
    ] as const) {
      mkdirSync(path.join(dir, 'data', label), { recursive: true });
      copyFileSync(path.join(images, file), path.join(dir, 'data', label, file));
    }
    const run = captureIo();
    const out = path.join(dir, 'report');

    // Act
    const status = await runEvaluate(['--model', model, path.join(dir, 'data'), '--out', out], run.io);

    // Assess
    expect(status, run.err()).to.equal(0);
    const report = JSON.parse(readFileSync(path.join(out, 'evaluation.json'), 'utf8')) as EvaluationReport;
    expect(report.labels).to.deep.equal(['cat', 'hotdog', 'macaw']);
    expect(report.metrics.confusion).to.deep.equal([
      [0, 0, 0, 1],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ]);
    expect(report.metrics.mistakes[0]?.truth).to.equal('cat');
    expect(run.out()).to.match(/accuracy 66\.7%/);
  });
});
