import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runTrain } from '../../scripts/cli/train-command';
import { type InvokeIo, runInvoke } from '../../scripts/lib/invoke-command';
import { eventPath } from '../lambda/support/fixtures';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';
import { colourPng, writeColourSet } from './support/colour-set';

describe('a trained model deployed: the built Lambda bundle classifies with it (npm run invoke)', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers with the custom labels for an uploaded image', async () => {
    // Prepare: train on colours with a tiny base model.
    const base = await buildTinyMobileNet(path.join(dir, 'base'), { size: 32, classes: 5 });
    const data = writeColourSet(path.join(dir, 'data'), { red: 10, green: 10, yellow: 10 });
    const model = path.join(dir, 'colours');
    let trainLog = '';
    const io = { write: (s: string) => (trainLog += s) };
    const trained = await runTrain([data, '--out', model, '--base', base, '--no-cache', '--workers', '1'], {
      stdout: io,
      stderr: io,
      env: {},
    });
    expect(trained, trainLog).to.equal(0);
    const image = path.join(dir, 'upload.png');
    writeFileSync(image, colourPng('yellow', 424_242));
    let out = '';
    let err = '';
    const invokeIo: InvokeIo = {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        err += s;
      },
    };

    // Act
    const status = await runInvoke([eventPath('s3-put'), '--model', model, '--image', image], invokeIo);

    // Assess
    expect(status, err).to.equal(0);
    expect(err).to.match(/^score=[\d.]+ classid=2 human=yellow$/m);
    const stored = JSON.parse(out) as { status: string; predictions: { label: string }[] };
    expect(stored.status).to.equal('ok');
    expect(stored.predictions.map((p) => p.label)).to.have.members(['yellow', 'red', 'green']);
    expect(stored.predictions[0]?.label).to.equal('yellow');
  });
});
