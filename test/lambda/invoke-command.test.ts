import path from 'node:path';
import { expect } from 'chai';
import { usageOf } from '../../scripts/cli/command';
import { type InvokeIo, invokeCommand, runInvoke } from '../../scripts/lib/invoke-command';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';
import { tempDir } from '../support/tiny-models';
import { eventPath } from './support/fixtures';

function capture(): InvokeIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('npm run invoke', () => {
  it('prints its usage for --help', async () => {
    const io = capture();
    expect(await runInvoke(['--help'], io)).to.equal(0);
    expect(io.stdout()).to.equal(`${usageOf(invokeCommand)}\n`);
  });

  it('says how to get a model when there is none, with status 2', async () => {
    // Prepare
    const io = capture();
    const missing = path.join(tempDir(), 'no-model');

    // Act
    const status = await runInvoke([eventPath('s3-put'), '--model', missing], io);

    // Assess
    expect(status).to.equal(2);
    expect(io.stderr()).to.include(`no model at ${missing} (--model): run \`npx lambdavision fetch-model\``);
    expect(io.stderr()).to.include('Usage: lambdavision invoke');
  });

  it('refuses a missing event file and a bad --repeat', async () => {
    const io = capture();
    const model = tempDir();
    expect(await runInvoke(['no-such-event.json', '--model', model], io)).to.equal(2);
    expect(io.stderr()).to.match(/cannot read event no-such-event\.json/);
    expect(await runInvoke([eventPath('s3-put'), '--model', model, '--repeat', '0'], io)).to.equal(2);
    expect(io.stderr()).to.match(/--repeat must be a positive whole number, got "0"/);
  });

  it('builds the bundle, runs it on the event and prints the stored result', async function () {
    // Prepare
    const modelDir = requireShared(this, realModelDir());
    const image = path.join(requireShared(this, testImagesDir()), 'parrot.jpg');
    const io = capture();

    // Act
    const status = await runInvoke([eventPath('s3-put'), '--model', modelDir, '--image', image], io);

    // Assess
    expect(status, io.stderr()).to.equal(0);
    expect(io.stderr()).to.match(/^score=0\.9\d+ classid=88 human=macaw$/m);
    expect(io.stderr()).to.match(/^REPORT RequestId: \S+ Duration: [\d.]+ ms .* Init Duration: [\d.]+ ms$/m);
    const stored = JSON.parse(io.stdout()) as { status: string; source: { key: string } };
    expect(stored).to.deep.include({ status: 'ok' });
    expect(stored.source.key).to.equal('uploads/my+photo 1.jpg');
  });

  it('runs the bundle on the Batch Operations and Function URL fixtures: a task result, an HTTP response', async function () {
    // Prepare
    const modelDir = requireShared(this, realModelDir());
    const image = path.join(requireShared(this, testImagesDir()), 'hot_dog.jpg');
    const batch = capture();
    const url = capture();

    // Act
    const batchStatus = await runInvoke(
      [eventPath('s3-batch-v1'), '--model', modelDir, '--image', image],
      batch,
    );
    const urlStatus = await runInvoke(
      [eventPath('function-url'), '--model', modelDir, '--image', image],
      url,
    );

    // Assess
    expect(batchStatus, batch.stderr()).to.equal(0);
    expect(batch.stderr()).to.match(/"resultCode": "Succeeded"/);
    expect(batch.stderr()).to.match(/"resultString": "classified score=\S+ classid=934 human=hotdog/);
    expect((JSON.parse(batch.stdout()) as { source: { key: string } }).source.key).to.equal(
      'uploads/my+photo 1.jpg',
    );
    expect(urlStatus, url.stderr()).to.equal(0);
    expect(url.stderr()).to.match(/^HTTP 200 /m);
    const response = JSON.parse(url.stdout()) as { predictions: Array<{ classId: number }> };
    expect(response.predictions.map((p) => p.classId)).to.deep.equal([934]);
  });
});
