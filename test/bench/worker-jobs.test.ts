import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { runJob } from '../../bench/lib/child-process';
import type { ColdStartResult, WarmResult } from '../../bench/lib/jobs/job-types';
import { buildWorker, type WorkerBundle } from '../../bench/lib/worker-bundle';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

// Smoke test of the bench's child processes on a tiny model: that they run and report, never how fast.
describe('bench worker jobs', function () {
  this.timeout(120_000);
  let worker: WorkerBundle;
  let modelDir: string;
  let image: string;

  before(async () => {
    const dir = tempDir('lambdavision-bench-test-');
    worker = await buildWorker(dir);
    modelDir = await buildTinyMobileNet(path.join(dir, 'model'));
    image = path.join(dir, 'photo.jpg');
    const photo = sharp({ create: { width: 800, height: 600, channels: 3, background: '#3a7' } });
    writeFileSync(image, await photo.jpeg().toBuffer());
  });

  it('runs a cold start in a fresh process and reports its phases in order', async () => {
    // Act
    const { result, wallMs } = await runJob<ColdStartResult>(worker, {
      kind: 'cold-start',
      engine: 'tfjs',
      backend: 'wasm',
      decoder: 'jimp',
      modelDir,
      image,
    });

    // Assess
    expect(result.backend).to.equal('wasm');
    expect(result.entryMs).to.be.below(result.importedMs);
    expect(result.importedMs).to.be.below(result.loadedMs);
    expect(result.loadedMs).to.be.below(result.firstResultMs);
    expect(wallMs).to.be.greaterThan(0);
  });

  it('measures every stage of every repeat and the peak memory of a warm run', async () => {
    // Act
    const { result } = await runJob<WarmResult>(worker, {
      kind: 'warm',
      engine: 'tfjs',
      backend: 'wasm',
      decoder: 'sharp',
      modelDir,
      images: [{ name: 'medium', file: image, warmup: 1, repeats: 3 }],
    });

    // Assess
    const [measured] = result.images;
    expect(measured?.samples.totalMs).to.have.length(3);
    expect(measured?.samples.decodeMs).to.have.length(3);
    expect([measured?.width, measured?.height]).to.deep.equal([800, 600]);
    expect(result.maxRssBytes).to.be.at.least(result.rssAfterLoadBytes);
  });

  it('fails with the child’s own error line when the job cannot run', async () => {
    // Act
    const error = await runJob(worker, {
      kind: 'warm',
      engine: 'tfjs',
      backend: 'wasm',
      decoder: 'jimp',
      modelDir: path.join(modelDir, 'missing'),
      images: [],
    }).catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).to.equal('ChildFailedError');
    expect((error as Error).message).to.match(
      /^warm job failed \(exit code 1\): ModelError: model directory .* does not exist/,
    );
  });
});
