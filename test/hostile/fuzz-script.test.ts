import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npm run fuzz -- <args>`, without npm: the script under tsx, as package.json runs it. */
function fuzz(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fuzz.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run fuzz', function () {
  this.timeout(150_000);

  it('prints tried, classified, refused by code, crashed, hung and the slowest case, and exits 0', () => {
    const { status, stdout, stderr } = fuzz(['--cases', '60', '--seed', '3']);
    expect(stdout, stderr).to.match(
      /^tried=60 classified=\d+ refused=\d+ \(EMPTY_IMAGE=\d+ UNSUPPORTED_FORMAT=\d+ CORRUPT_IMAGE=\d+ IMAGE_TOO_LARGE=\d+\) crashed=0 hung=0$/m,
    );
    expect(stdout).to.match(/^slowest=\S+#\d+ [\d.]+ ms total=[\d.]+ s peak-rss=\d+ MB$/m);
    expect(status).to.equal(0);
  });

  it('runs one case again from its seed and index', () => {
    const { status, stdout } = fuzz(['--seed', '3', '--case', '41']);
    expect(stdout).to.match(/^tried=1 /m);
    expect(status).to.equal(0);
  });

  it('says what is wrong with its arguments and exits 2', () => {
    const { status, stderr } = fuzz(['--cases', 'many']);
    expect(stderr)
      .to.contain('--cases must be a positive whole number, got "many"')
      .and.to.contain('Usage: lambdavision fuzz');
    expect(status).to.equal(2);
  });
});
