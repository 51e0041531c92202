import path from 'node:path';
import { expect } from 'chai';
import { measureArtifacts } from '../../bench/lib/artifact-sizes';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

describe('bench artifact sizes', function () {
  this.timeout(180_000);

  it('builds the wasm layer with the Makefile and sizes the function bundle and the model layer', async () => {
    // Prepare
    const dir = tempDir('lambdavision-artifacts-');
    const modelDir = await buildTinyMobileNet(path.join(dir, 'model'));

    // Act
    const { artifacts } = await measureArtifacts(modelDir, dir, { zip: false });

    // Assess
    const byName = (start: string) => artifacts.find((a) => a.name.startsWith(start));
    const layer = byName('TensorFlow.js wasm layer');
    expect(layer, JSON.stringify(artifacts.map((a) => [a.name, a.note]))).not.to.equal(undefined);
    expect(layer?.role).to.equal('deployed');
    expect(byName('TensorFlow.js packages untrimmed')?.role).to.equal('reference');
    expect(byName('function bundle')?.bytes).to.be.greaterThan(0);
    expect(byName('model layer')?.files).to.be.greaterThan(0);
  });
});
