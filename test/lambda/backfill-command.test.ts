import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { runBackfill } from '../../scripts/lib/backfill-command';
import { PROJECT_ROOT } from '../../scripts/lib/function-bundle';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { captureIo } from '../support/capture-io';
import { realModelDir, requireShared, testImagesDir } from '../support/shared-data';
import { resultStates } from './support/local-bucket';

// A CloudFormation API in a region without the stack, as DescribeStacks answers then.
const noStacks = {
  send: async () => {
    throw Object.assign(new Error('Stack with id lambdavision does not exist'), { name: 'ValidationError' });
  },
};

describe('npm run backfill: arguments', () => {
  const usage: Array<[string, string[], RegExp]> = [
    ['no --prefix', [], /--prefix is required/],
    [
      '--create-job with no stack deployed',
      ['--create-job', '--prefix', 'uploads/', '--bucket', 'b', '--account-id', '123456789012'],
      /no stack "lambdavision" in this region: pass --stack NAME/,
    ],
    [
      'a bad --report-scope',
      ['--create-job', '--prefix', 'u/', '--bucket', 'b', '--report-scope', 'some'],
      /--report-scope must be failed or all/,
    ],
    [
      '--concurrency 0',
      ['--prefix', 'uploads/', '--concurrency', '0', '--model', PROJECT_ROOT],
      /--concurrency must be a whole number from 1 to 64/,
    ],
    [
      '--jobs 0',
      ['--prefix', 'uploads/', '--jobs', '0', '--model', PROJECT_ROOT],
      /--jobs must be a whole number from 1 to 64/,
    ],
    [
      '--jobs abc',
      ['--prefix', 'uploads/', '--jobs', 'abc', '--model', PROJECT_ROOT],
      /--jobs must be a whole number from 1 to 64/,
    ],
    ['an unknown option', ['--prefix', 'uploads/', '--dry-run'], /Unknown option '--dry-run'/],
  ];
  for (const [what, argv, message] of usage) {
    it(`exits 2 with the usage for ${what}`, async () => {
      const { io, err } = captureIo();
      expect(await runBackfill(argv, io, undefined, { cloudformation: () => noStacks })).to.equal(2);
      expect(err()).to.match(message);
      expect(err()).to.include('Usage: lambdavision backfill');
    });
  }

  it('prints the usage on stdout for --help', async () => {
    const { io, out } = captureIo();
    expect(await runBackfill(['--help'], io)).to.equal(0);
    expect(out()).to.match(/^Usage: lambdavision backfill \[options\]\n/);
    expect(out()).to.include('--prefix <prefix>');
  });
});

const BUCKET = 'lambdavision';

interface PhotosInLocalS3 {
  s3: LocalS3;
  client: S3Client;
  modelDir: string;
  /** The uploaded keys, in upload order. */
  keys: string[];
}

/**
 * For the describe block it is called in: a local S3 server holding `count` of the shared test photos in
 * turn as `<prefix>NN <name>`, and the real model; started before its tests, closed after them.
 */
function photosInLocalS3(prefix: string, count: number): PhotosInLocalS3 {
  const photos = { keys: [] as string[] } as PhotosInLocalS3;
  before(async function () {
    photos.modelDir = requireShared(this, realModelDir());
    const images = requireShared(this, testImagesDir());
    photos.s3 = await startLocalS3({ buckets: [BUCKET] });
    photos.client = photos.s3.client();
    const names = ['parrot.jpg', 'hot_dog.jpg', 'bird.bmp', 'cat.bmp', 'grace_hopper.bmp'];
    for (let i = 0; i < count; i++) {
      const name = names[i % names.length] as string;
      const key = `${prefix}${String(i).padStart(2, '0')} ${name}`;
      await photos.client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(path.join(images, name)) }),
      );
      photos.keys.push(key);
    }
  });
  after(async () => {
    await photos.s3?.close();
  });
  return photos;
}

describe('npm run backfill: Ctrl-C mid-run, then again, over a local S3 server with the real model', () => {
  const photos = photosInLocalS3('uploads/backfill/', 16);

  /**
   * The real entry as `npx lambdavision backfill` runs it: the bin, in a process group of its own so that
   * the test can Ctrl-C the whole group as a terminal does.
   */
  function backfill(): {
    child: ChildProcess;
    output: () => string;
    done: Promise<{ code: number | null; out: string; err: string }>;
  } {
    const child = spawn(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'bin', 'lambdavision.js'),
        'backfill',
        ...[
          '--prefix',
          'uploads/backfill/',
          '--endpoint-url',
          photos.s3.endpoint,
          '--model',
          photos.modelDir,
        ],
        ...['--concurrency', '1'],
      ],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const done = new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out, err }));
    });
    return { child, output: () => out, done };
  }
  const lines = (out: string, status: string) => out.split('\n').filter((l) => l.startsWith(`${status}\t`));

  it('stops after the objects in flight, exits 1 naming how many are left; the next run does the rest', async function () {
    // Two runs, each a tsx process that loads the real model and classifies up to 16 photos: about 75 s
    // on a busy 2-core machine, beyond the suite's 60 s.
    this.timeout(240_000);
    // Act: interrupt once three objects are done
    const first = backfill();
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (lines(first.output(), 'classified').length >= 3) {
          clearInterval(poll);
          // Ctrl-C: SIGINT to every process of the foreground group.
          process.kill(-(first.child.pid as number), 'SIGINT');
          resolve();
        }
      }, 20);
      first.done.then(() => {
        clearInterval(poll);
        reject(new Error('the backfill ended before it could be interrupted'));
      }, reject);
    });
    const stopped = await first.done;
    const midway = await resultStates(photos.client, BUCKET, 'uploads/backfill/');
    const second = await backfill().done;

    // Assess: the interrupted run
    expect(stopped.code, stopped.err).to.equal(1);
    const done = lines(stopped.out, 'classified').length;
    expect(done).to.be.within(3, 15);
    expect(stopped.err).to.match(/stopping after the objects in flight/);
    expect(stopped.err).to.match(new RegExp(`interrupted: ${16 - done} objects not started`));
    expect(Object.values(midway.states).filter((s) => s === 'current')).to.have.length(done);
    expect(Object.values(midway.states).filter((s) => s === 'missing')).to.have.length(16 - done);

    // the resumed run
    expect(second.code, second.err).to.equal(0);
    expect(lines(second.out, 'skipped')).to.have.length(done);
    expect(lines(second.out, 'classified')).to.have.length(16 - done);
    expect(second.err).to.match(/16 objects: \d+ classified, \d+ skipped \(result current\), 0 failed/);
    expect(second.err).to.match(/[\d.]+ images\/s/);

    // every object has exactly one current result, with the right top class
    const { states, orphans } = await resultStates(photos.client, BUCKET, 'uploads/backfill/');
    expect(Object.keys(states)).to.deep.equal(photos.keys);
    expect(Object.values(states)).to.deep.equal(Array(16).fill('current'));
    expect(orphans).to.deep.equal([]);
    const parrot = lines(stopped.out + second.out, 'classified').find((l) => l.includes('00 parrot.jpg'));
    expect(parrot).to.match(/classified score=0\.99\d+ classid=88 human=macaw/);
  });
});

describe('npm run backfill --jobs 2: two workers, one model each, over a local S3 server', () => {
  const photos = photosInLocalS3('uploads/jobs/', 10);

  it('writes every result once, each current, with the right classes', async function () {
    // Two workers each load the real model, then classify 10 photos.
    this.timeout(180_000);
    // Act
    const { io, out, err } = captureIo();
    const argv = [
      '--prefix',
      'uploads/jobs/',
      '--endpoint-url',
      photos.s3.endpoint,
      '--model',
      photos.modelDir,
    ];
    const status = await runBackfill([...argv, '--jobs', '2', '--no-progress'], io);
    // Assess
    expect(status, err()).to.equal(0);
    expect(err()).to.contain(', 2 workers,');
    const classified = out()
      .split('\n')
      .filter((line) => line.startsWith('classified\t'));
    expect(classified.map((line) => line.split('\t')[1]).sort()).to.deep.equal(photos.keys);
    const { states, orphans } = await resultStates(photos.client, BUCKET, 'uploads/jobs/');
    expect(Object.values(states)).to.deep.equal(Array(10).fill('current'));
    expect(orphans).to.deep.equal([]);
    const parrots = classified.filter((line) => line.includes('parrot.jpg'));
    expect(parrots).to.have.length(2);
    for (const line of parrots) expect(line).to.match(/score=0\.99\d+ classid=88 human=macaw/);
    expect(err()).to.match(/10 objects: 10 classified, 0 skipped \(result current\), 0 failed/);
  });
});
