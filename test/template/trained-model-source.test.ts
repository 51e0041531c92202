import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { headWeightCount, type LambdaVisionError } from '../../function/classifier';
import { fetchModel, runFetchModel } from '../../scripts/lib/fetch-model-command';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { scratchDir } from '../support/scratch';
import { type TrainedColours, trainedColourModel } from '../training/support/trained-colours';

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const quiet = () => undefined;

/** What fetchModel throws, or undefined when it succeeds. */
async function refusal(options: Parameters<typeof fetchModel>[0]): Promise<LambdaVisionError | undefined> {
  try {
    await fetchModel({ log: quiet, ...options });
    return undefined;
  } catch (error) {
    return error as LambdaVisionError;
  }
}

describe('fetch-model from a trained model folder', function () {
  // The shared model is trained once per run (about 10 s); each fetch loads its copy once.
  this.timeout(120_000);
  let model: TrainedColours;
  before(async () => {
    model = await trainedColourModel();
  });

  /** A copy of the trained folder for a test to change. */
  function editable(): string {
    const dir = path.join(scratchDir(), 'colours');
    cpSync(model.dir, dir, { recursive: true });
    return dir;
  }

  it('copies the model files, keeps the training provenance and records each file with its SHA-256', async () => {
    // Prepare
    const out = path.join(scratchDir(), 'model');
    const lines: string[] = [];

    // Act
    const result = await fetchModel({ from: model.dir, out, log: (l) => lines.push(l) });

    // Assess
    expect(readdirSync(out, { recursive: true }).map(String).sort()).to.deep.equal([
      'base',
      'base/group1-shard1of1.bin',
      'base/model.json',
      'evaluation.json',
      'evaluation.md',
      'head.bin',
      'labels.json',
      'lambdavision.json',
      'provenance.json',
    ]);
    expect(json(path.join(out, 'lambdavision.json'))).to.deep.equal(
      json(path.join(model.dir, 'lambdavision.json')),
    );
    const provenance = json(path.join(out, 'provenance.json'));
    const trained = json(path.join(model.dir, 'provenance.json'));
    expect(provenance).to.deep.include({
      createdBy: trained.createdBy,
      counts: trained.counts,
      head: trained.head,
    });
    expect(provenance.fetched.source).to.equal(model.dir);
    expect(
      provenance.fetched.files.map((f: { path: string; checksum: string }) => `${f.path}: ${f.checksum}`),
    ).to.deep.equal([
      'base/model.json: not recorded',
      'base/group1-shard1of1.bin: not recorded',
      'head.bin: not recorded',
      'labels.json: not recorded',
      'evaluation.json: not recorded',
      'evaluation.md: not recorded',
    ]);
    expect(result.name).to.equal('colours');
    expect(lines).to.include('a trained model: 4 labels, base model base/model.json');
    expect(result.verified).to.match(
      /^colours: layers-model, input 32x32, 4 classes, output probabilities, labels from labels\.json/,
    );
  });

  it('checks the SHA-256 a copy records when that copy is fetched again, and refuses a changed file', async () => {
    // Prepare: a first copy, then one byte of its head changed (same size, so only the checksum tells)
    const first = path.join(scratchDir(), 'first');
    await fetchModel({ from: model.dir, out: first, log: quiet });
    const again = path.join(scratchDir(), 'again');
    const result = await fetchModel({ from: first, out: again, log: quiet });
    const head = readFileSync(path.join(first, 'head.bin'));
    head[9] = (head[9] ?? 0) ^ 0xff;
    writeFileSync(path.join(first, 'head.bin'), head);
    const out = path.join(scratchDir(), 'tampered');

    // Act
    const error = await refusal({ from: first, out });

    // Assess
    expect(result.files.every((f) => f.checksum === 'recorded in the source')).to.equal(true);
    expect(error?.code).to.equal('FETCH_FAILED');
    expect(error?.message).to.match(
      /^checksum mismatch for .*head\.bin: the folder records [0-9a-f]{64}, the file is [0-9a-f]{64}$/,
    );
    expect(existsSync(out)).to.equal(false);
  });

  it("checks the base model against the base's own provenance (a base fetch-model wrote)", async () => {
    // Prepare
    const dir = editable();
    const record = {
      files: [
        { path: 'model.json', sha256: '0'.repeat(64) },
        { path: 'labels.txt', sha256: '1'.repeat(64) },
      ],
    };
    writeFileSync(path.join(dir, 'base', 'provenance.json'), JSON.stringify(record));

    // Act
    const error = await refusal({ from: dir, out: path.join(scratchDir(), 'model') });

    // Assess: the base's model.json is checked; its labels.txt, which a trained model never reads, is not
    expect(error?.code).to.equal('FETCH_FAILED');
    expect(error?.message).to.match(/^checksum mismatch for .*base\/model\.json: the folder records 0{64}/);
  });

  const damaged: [string, (dir: string) => void, string, RegExp][] = [
    [
      'without its head weights',
      (d) => rmSync(path.join(d, 'head.bin')),
      'MODEL_NOT_FOUND',
      /^head weights .*head\.bin named in .*lambdavision\.json does not exist$/,
    ],
    [
      'with head weights of the wrong size',
      (d) => writeFileSync(path.join(d, 'head.bin'), readFileSync(path.join(d, 'head.bin')).subarray(8)),
      'MODEL_INVALID',
      /^head weights .*head\.bin hold (\d+) bytes but the head in .*lambdavision\.json needs (?!\1)\d+$/,
    ],
    [
      'with a label missing from labels.json',
      (d) => writeFileSync(path.join(d, 'labels.json'), JSON.stringify(['blue', 'green', 'red'])),
      'LABELS_MISMATCH',
      /^label file .*labels\.json has 3 names but the head in .*lambdavision\.json answers 4 labels$/,
    ],
    [
      'without a weight shard of its base model',
      (d) => rmSync(path.join(d, 'base', 'group1-shard1of1.bin')),
      'MODEL_NOT_FOUND',
      /^weight shard \(named in base\/model\.json\) .*group1-shard1of1\.bin named in .*lambdavision\.json does not exist$/,
    ],
    [
      'whose manifest is not JSON',
      (d) => writeFileSync(path.join(d, 'lambdavision.json'), '{"name": "colours", "head": {'),
      'MODEL_INVALID',
      /lambdavision\.json is not valid JSON$/,
    ],
    [
      'whose manifest the classifier would refuse',
      (d) => {
        const manifest = json(path.join(d, 'lambdavision.json'));
        writeFileSync(
          path.join(d, 'lambdavision.json'),
          JSON.stringify({ ...manifest, head: { ...manifest.head, labels: 0 } }),
        );
      },
      'MODEL_INVALID',
      /lambdavision\.json is not a valid manifest: head\.labels: /,
    ],
    [
      'on a base that is neither TF.js nor TensorFlow Lite',
      (d) => {
        const manifest = json(path.join(d, 'lambdavision.json'));
        mkdirSync(path.join(d, 'base', 'saved'));
        writeFileSync(path.join(d, 'base', 'saved', 'saved_model.pb'), 'pb');
        writeFileSync(
          path.join(d, 'lambdavision.json'),
          JSON.stringify({ ...manifest, model: 'base/saved' }),
        );
      },
      'MODEL_INVALID',
      /is neither a TensorFlow\.js model\.json nor a \.tflite file/,
    ],
  ];
  for (const [what, damage, code, message] of damaged) {
    it(`refuses a trained folder ${what} with ${code}, and writes nothing`, async () => {
      // Prepare
      const dir = editable();
      damage(dir);
      const out = path.join(scratchDir(), 'model');

      // Act
      const error = await refusal({ from: dir, out });

      // Assess
      expect(error?.code, error?.stack).to.equal(code);
      expect(error?.message).to.match(message);
      expect(readdirSync(path.dirname(out))).to.deep.equal([]);
    });
  }

  it('replaces an existing model only with --force, and only once the new one loads', async () => {
    // Prepare: a model in place, and a trained folder that passes every check but does not load
    const out = path.join(scratchDir(), 'model');
    await fetchModel({ from: model.dir, out, log: quiet });
    const before = readFileSync(path.join(out, 'head.bin'));
    const dir = editable();
    const manifest = json(path.join(dir, 'lambdavision.json'));
    const head = { ...manifest.head, embeddingSize: 9 };
    writeFileSync(path.join(dir, 'lambdavision.json'), JSON.stringify({ ...manifest, head }));
    writeFileSync(path.join(dir, 'head.bin'), Buffer.alloc(headWeightCount(head) * 4));
    const say = () => {
      const lines: string[] = [];
      return {
        lines,
        io: { env: {}, stdout: (l: string) => lines.push(l), stderr: (l: string) => lines.push(l) },
      };
    };
    const unforced = say();
    const broken = say();

    // Act
    const withoutForce = await runFetchModel(['--from', model.dir, '--out', out], unforced.io);
    const error = await refusal({ from: dir, out, force: true });
    const status = await runFetchModel(['--from', dir, '--out', out, '--force'], broken.io);

    // Assess: the old model is whole, and no temporary folder is left beside it
    expect(withoutForce).to.equal(2);
    expect(unforced.lines.join('\n')).to.include('already exists: --force replaces it');
    expect(error?.code).to.equal('MODEL_INVALID');
    expect(error?.message).to.match(
      /^the fetched model does not load: the base model's embeddings have \d+ values but the head expects 9$/,
    );
    expect(status).to.equal(1);
    expect(broken.lines.join('\n')).to.match(
      /^fetch-model: MODEL_INVALID: the fetched model does not load: /m,
    );
    expect(readFileSync(path.join(out, 'head.bin'))).to.deep.equal(before);
    expect(readdirSync(path.dirname(out))).to.deep.equal(['model']);
  });

  it('exits 2 for --labels or --model, which a trained folder does not take', async () => {
    for (const extra of [
      ['--labels', 'labels.txt'],
      ['--model', 'mobilenet_v2_1.0_224_quant'],
    ]) {
      const lines: string[] = [];
      const io = { env: {}, stdout: (l: string) => lines.push(l), stderr: (l: string) => lines.push(l) };
      const status = await runFetchModel(
        ['--from', model.dir, '--out', path.join(scratchDir(), 'm'), ...extra],
        io,
      );
      expect(status, extra[0]).to.equal(2);
      expect(lines.join('\n')).to.match(
        new RegExp(`^lambdavision fetch-model: ${extra[0]} does not apply to .*: a trained model`, 'm'),
      );
    }
  });

  describe('from an s3:// prefix', () => {
    let s3: LocalS3;
    before(async () => {
      s3 = await startLocalS3({ buckets: ['models'] });
    });
    after(async () => {
      await s3?.close();
    });

    it('reads the files the manifest names with GetObject alone (no listing) and verifies the model', async () => {
      // Prepare: the trained folder uploaded without its HTML report
      const client = s3.client();
      for (const name of readdirSync(model.dir, { recursive: true }).map(String)) {
        const file = path.join(model.dir, name);
        if (name === 'base' || name.endsWith('.html')) continue;
        await client.send(
          new PutObjectCommand({
            Bucket: 'models',
            Key: `trained/colours/${name}`,
            Body: readFileSync(file),
          }),
        );
      }
      const out = path.join(scratchDir(), 'model');

      // Act
      const result = await fetchModel({
        from: 's3://models/trained/colours/',
        out,
        s3: s3.client(),
        log: quiet,
      });

      // Assess
      expect(result.files.map((f) => f.from)).to.include.members([
        's3://models/trained/colours/base/model.json',
        's3://models/trained/colours/head.bin',
        's3://models/trained/colours/labels.json',
      ]);
      expect(result.verified).to.match(/^colours: layers-model/);
      expect(readFileSync(path.join(out, 'head.bin'))).to.deep.equal(
        readFileSync(path.join(model.dir, 'head.bin')),
      );
    });
  });
});
