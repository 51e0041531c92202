import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Jimp } from 'jimp';
import { type DevServer, startDevServer } from '../../scripts/lib/dev-server';
import { RecordingLogger } from '../lambda/support/fakes';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';
import { runBin } from './support/run-bin';

const run = promisify(execFile);

/**
 * A proxy that answers nothing and records every request: with HTTP(S)_PROXY pointing at it and only
 * loopback exempted (NO_PROXY), anything the local loop would send to AWS lands here instead.
 */
async function recordingProxy(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    response.writeHead(502).end();
  });
  server.on('connect', (request, socket) => {
    seen.push(`CONNECT ${request.url}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('the local loop with the user’s own AWS setup in the environment', function () {
  this.timeout(120_000);
  let server: DevServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let awsEnv: NodeJS.ProcessEnv;
  let marker: string;
  let photo: string;

  before(async function () {
    try {
      await run('aws', ['--version']);
    } catch {
      console.log('      skipped: the aws CLI is not installed');
      this.skip();
    }
    const dir = tempDir();
    // The user's profile gets its keys from a process (as SSO and assume-role profiles get them from
    // AWS): the marker file says whether anything asked it.
    marker = path.join(dir, 'profile-was-used');
    writeFileSync(
      path.join(dir, 'config'),
      `[profile work]\nregion = eu-west-3\ncredential_process = sh -c "touch '${marker}'; echo '{\\"Version\\":1,\\"AccessKeyId\\":\\"AKIAWORKPROFILE00000\\",\\"SecretAccessKey\\":\\"work-secret\\"}'"\n`,
    );
    proxy = await recordingProxy();
    awsEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_CONFIG_FILE: path.join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      AWS_PROFILE: 'work',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLE',
      AWS_REGION: 'eu-west-3',
      AWS_DEFAULT_REGION: 'eu-west-3',
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
      TMPDIR: process.env.TMPDIR,
    };
    photo = path.join(dir, 'photo.jpg');
    writeFileSync(
      photo,
      await new Jimp({ width: 64, height: 48, color: 0x3366aaff }).getBuffer('image/jpeg'),
    );
    server = await startDevServer({
      modelDir: await buildTinyMobileNet(tempDir()),
      port: 0,
      apiPort: 0,
      env: awsEnv,
      logger: new RecordingLogger(),
      say: () => undefined,
      print: () => undefined,
    });
  });
  after(async () => {
    await server?.close();
    proxy?.server.close();
  });

  /** The printed `unset` and `export` lines applied to an environment, as a shell would. */
  function applyPrinted(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const out = { ...env };
    for (const line of server.instructions.split('\n').map((l) => l.trim())) {
      if (line.startsWith('unset ')) for (const name of line.slice(6).split(/\s+/)) delete out[name];
      if (line.startsWith('export ')) {
        for (const pair of line.slice(7).split(/\s+/)) {
          const [name, value] = pair.split('=');
          if (name && value !== undefined) out[name] = value;
        }
      }
    }
    return out;
  }

  const endpoint = () => ['--endpoint-url', server.endpoint];

  it('the printed commands upload and read the result back, without asking the user’s profile', async () => {
    // Prepare
    const env = applyPrinted(awsEnv);

    // Act
    await run('aws', ['s3', 'cp', photo, 's3://lambdavision/uploads/printed.jpg', ...endpoint()], { env });
    await server.idle();
    const { stdout } = await run(
      'aws',
      ['s3', 'cp', 's3://lambdavision/results/uploads/printed.jpg.json', '-', ...endpoint()],
      { env },
    );

    // Assess
    expect(JSON.parse(stdout).predictions).to.have.length.greaterThan(0);
    expect(existsSync(marker), 'the profile was asked for keys').to.equal(false);
    expect(proxy.seen).to.deep.equal([]);
  });

  it('the user’s own keys, profile and region, unchanged, work too: the endpoint takes any key', async () => {
    // Act: the environment as the user has it (profile and keys set, other region)
    await run('aws', ['s3', 'cp', photo, 's3://lambdavision/uploads/own.jpg', ...endpoint()], {
      env: awsEnv,
    });
    await server.idle();
    const { stdout } = await run(
      'aws',
      ['s3', 'cp', 's3://lambdavision/results/uploads/own.jpg.json', '-', ...endpoint()],
      { env: awsEnv },
    );

    // Assess
    expect(JSON.parse(stdout).predictions).to.have.length.greaterThan(0);
    expect(proxy.seen).to.deep.equal([]);
  });

  it('backfill runs over the local endpoint with the user’s AWS environment, sending nothing to AWS', async () => {
    // Act
    const result = await runBin(
      ['backfill', '--prefix', 'uploads/', '--endpoint-url', server.endpoint, '--force', '--no-progress'],
      { env: { ...awsEnv, LAMBDAVISION_MODEL_DIR: server.config.modelDir } },
    );

    // Assess
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^classified\tuploads\/own\.jpg\t/m);
    expect(existsSync(marker), 'the profile was asked for keys').to.equal(false);
    expect(proxy.seen).to.deep.equal([]);
  });
});
