import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../scripts/lib/project-root';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

describe('make -C layer build-ModelLayer with a relative MODEL_SOURCE', function () {
  this.timeout(120_000);

  before(function () {
    if (spawnSync('make', ['--version']).error) {
      console.log('      skipped: make is not installed');
      this.skip();
    }
  });

  it('takes the folder from where the command was typed, not from layer/', async () => {
    // Prepare: the user's folder, with their model in ./my-model
    const home = tempDir();
    await buildTinyMobileNet(path.join(home, 'my-model'));
    const out = tempDir();

    // Act: typed in `home`; make runs in layer/ (-C), the shell's PWD stays `home`
    const run = spawnSync(
      'make',
      [
        '-s',
        '-C',
        path.join(PROJECT_ROOT, 'layer'),
        'build-ModelLayer',
        `ARTIFACTS_DIR=${out}`,
        'MODEL_SOURCE=./my-model',
      ],
      { cwd: home, encoding: 'utf8', env: { ...process.env, PWD: home } },
    );

    // Assess
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(existsSync(path.join(out, 'model', 'model.json'))).to.equal(true);
    const provenance = JSON.parse(readFileSync(path.join(out, 'model', 'provenance.json'), 'utf8'));
    expect(provenance.source).to.equal(path.join(home, 'my-model'));
  });
});
