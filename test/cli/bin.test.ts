import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';
import { BIN, nodeVersions, runBin } from './support/run-bin';

/** A port nothing listens on: taken from the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  TMPDIR: process.env.TMPDIR,
  ...extra,
});

describe('lambdavision (the bin)', function () {
  this.timeout(180_000);
  let modelDir: string;
  let photos: string;

  before(async () => {
    modelDir = await buildTinyMobileNet(tempDir());
    photos = tempDir();
    const image = new Jimp({ width: 40, height: 30, color: 0x884422ff });
    writeFileSync(path.join(photos, 'a.png'), await image.getBuffer('image/png'));
    writeFileSync(path.join(photos, 'b.jpg'), await image.getBuffer('image/jpeg'));
  });

  it('lists its commands on --help (stdout, exit 0) and refuses an unknown one (exit 2)', async () => {
    const help = await runBin(['--help'], { env: env() });
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^Usage: lambdavision <command>/);
    for (const name of ['classify', 'fetch-model', 'dev', 'invoke', 'backfill', 'build', 'fuzz', 'bench'])
      expect(help.stdout).to.match(new RegExp(`^ {2}${name} +\\S`, 'm'));
    const unknown = await runBin(['clasify'], { env: env() });
    expect(unknown.status).to.equal(2);
    expect(unknown.stdout).to.equal('');
    expect(unknown.stderr).to.contain('unknown command "clasify"');
  });

  for (const { version, node } of nodeVersions()) {
    describe(`on Node ${version}`, () => {
      it('classify --json writes only JSON lines on stdout; a missing file is one failure (exit 1)', async () => {
        // Act
        const result = await runBin(
          ['classify', '--json', '--model', modelDir, photos, path.join(photos, 'missing.jpg')],
          { node, env: env() },
        );

        // Assess: every stdout line is a JSON object (what `| jq` needs), diagnostics on stderr
        expect(result.status, result.stderr).to.equal(1);
        const records = result.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { file: string; error?: { code: string } });
        expect(records.map((r) => path.basename(r.file))).to.deep.equal(['a.png', 'b.jpg', 'missing.jpg']);
        expect(records[2]?.error?.code).to.equal('ENOENT');
        expect(records.slice(0, 2).every((r) => r.error === undefined)).to.equal(true);
        expect(result.stderr).to.contain('2 classified, 1 failed');
      });

      it('fuzz runs its worker threads (it crashed on Node 20 under tsx)', async () => {
        const result = await runBin(['fuzz', '--cases', '1', '--seed', '3'], { node, env: env() });
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.match(/^tried=1 classified=\d+ refused=\d+ .* crashed=0 hung=0$/m);
      });
    });
  }

  it('backfill with no server running says in one line what to start, without a stack (exit 1)', async () => {
    const port = await closedPort();
    const result = await runBin(
      ['backfill', '--prefix', 'uploads/', '--endpoint-url', `http://127.0.0.1:${port}`, '--model', modelDir],
      { env: env() },
    );
    expect(result.status, result.stderr).to.equal(1);
    expect(result.stdout).to.equal('');
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).to.match(/nothing is listening at 127\.0\.0\.1:\d+.*npx lambdavision dev/);
    expect(result.stderr).not.to.match(/^\s+at /m);
  });

  it('Ctrl-C stops classify between files: what was done is printed, then exit 130', async () => {
    // Prepare: enough files that the run is still going when interrupted
    const many = tempDir();
    for (let i = 0; i < 400; i++)
      copyFileSync(path.join(photos, 'a.png'), path.join(many, `${String(i).padStart(3, '0')}.png`));
    let interrupted = false;
    const run = runBin(['classify', '--json', '--model', modelDir, many], {
      env: env(),
      onStdout: (all) => {
        if (!interrupted && all.split('\n').length > 3) {
          interrupted = true;
          process.kill(run.pid as number, 'SIGINT');
        }
      },
    });

    // Act
    const result = await run;

    // Assess
    expect(result.status, result.stderr).to.equal(130);
    const done = result.stdout.trim().split('\n').length;
    expect(done).to.be.within(3, 399);
    expect(result.stderr).to.match(new RegExp(`interrupted: ${400 - done} file\\(s\\) not classified`));
  });

  it('Ctrl-C stops dev: its servers close, exit 0', async () => {
    // Prepare: started on free ports
    const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--model', modelDir], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const ready = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes('Ctrl-C stops the server')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await ready;

    // Act
    child.kill('SIGINT');

    // Assess
    expect(await exited, err).to.equal(0);
    expect(err).to.contain('stopping ...');
  });
});
