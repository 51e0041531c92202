import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DetectCustomLabelsCommand,
  DetectLabelsCommand,
  InvalidParameterException,
  RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { SuccessResult } from '../../function/lambda/index';
import { runClassify } from '../../scripts/cli/classify-command';
import { runBackfill } from '../../scripts/lib/backfill-command';
import { type DevServer, startDevServer } from '../../scripts/lib/dev-server';
import { runFetchModel } from '../../scripts/lib/fetch-model-command';
import { type InvokeIo, runInvoke } from '../../scripts/lib/invoke-command';
import {
  LOCAL_S3_CREDENTIALS,
  LOCAL_S3_REGION,
  type LocalS3,
  startLocalS3,
} from '../../scripts/lib/local-s3';
import { PROJECT_ROOT } from '../../scripts/lib/project-root';
import { RecordingLogger } from '../lambda/support/fakes';
import { eventPath } from '../lambda/support/fixtures';
import { localS3Client } from '../lambda/support/local-s3-client';
import { captureIo } from '../support/capture-io';
import { scratchDir } from '../support/scratch';
import { type ColourName, colourPng } from './support/colour-set';
import { type TrainedColours, trainedColourModel } from './support/trained-colours';

// Seeds far from the training images' (below 100 000), so every image here is new to the model.
const upload = (colour: ColourName, n = 0) => colourPng(colour, 424_242 + n);

async function bodyOf<T>(client: S3Client, bucket: string, key: string): Promise<T> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await object.Body?.transformToString()) ?? '{}') as T;
}

describe('a trained model goes wherever a downloaded model goes', function () {
  // Training the shared model (once per run) takes about 10 s on a busy 2-core machine; each path
  // below loads the model again, as its own process or server would.
  this.timeout(120_000);
  let model: TrainedColours;
  before(async () => {
    model = await trainedColourModel();
  });

  it('the built Lambda bundle (npm run invoke) answers with the custom labels', async () => {
    // Prepare
    const image = path.join(scratchDir(), 'upload.png');
    writeFileSync(image, upload('yellow'));
    let out = '';
    let err = '';
    const io: InvokeIo = {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        err += s;
      },
    };

    // Act
    const status = await runInvoke([eventPath('s3-put'), '--model', model.dir, '--image', image], io);

    // Assess: the original line names the label's index in labels.json; the stored result has every label.
    expect(status, err).to.equal(0);
    expect(err).to.match(/^score=[\d.]+ classid=3 human=yellow$/m);
    const stored = JSON.parse(out) as SuccessResult;
    expect(stored.status).to.equal('ok');
    expect(stored.model).to.equal('colours');
    expect(stored.predictions[0]?.label).to.equal('yellow');
    expect(stored.predictions.map((p) => p.label)).to.have.members(model.labels);
  });

  describe('the dev server: uploads to its local S3, and the Rekognition-compatible endpoint', () => {
    let server: DevServer;
    let s3: S3Client;
    let rekognition: RekognitionClient;
    const printed: string[] = [];
    const said: string[] = [];

    before(async () => {
      // As `lambdavision dev --model <trained folder>` starts it: the server loads the folder itself.
      server = await startDevServer({
        modelDir: model.dir,
        port: 0,
        logger: new RecordingLogger(),
        say: (line) => said.push(line),
        print: (line) => printed.push(line),
      });
      s3 = localS3Client(server.endpoint);
      rekognition = new RekognitionClient({
        endpoint: server.apiEndpoint,
        region: LOCAL_S3_REGION,
        credentials: LOCAL_S3_CREDENTIALS,
        maxAttempts: 1,
      });
    });
    after(async () => {
      rekognition?.destroy();
      s3?.destroy();
      await server?.close();
    });

    it('classifies an upload and writes its result, labels included', async () => {
      // Act
      await s3.send(
        new PutObjectCommand({ Bucket: server.bucket, Key: 'uploads/red 1.png', Body: upload('red') }),
      );
      await server.idle();

      // Assess: what the server said explains a missing result
      expect(said.join('\n'), said.join('\n')).to.include(
        '-> classified: s3://lambdavision/results/uploads/red 1.png.json',
      );
      const result = await bodyOf<SuccessResult>(s3, server.bucket, 'results/uploads/red 1.png.json');
      expect(result.status).to.equal('ok');
      expect(result.predictions[0]?.label).to.equal('red');
      expect(result.labels?.[0]).to.deep.include({ name: 'red', parents: [], aliases: [], categories: [] });
      expect(printed.some((line) => /^score=[\d.]+ classid=2 human=red$/.test(line))).to.equal(true);
    });

    it('answers DetectLabels with the custom labels, which have no parents, aliases or categories', async () => {
      // Act
      const confident = await rekognition.send(
        new DetectLabelsCommand({ Image: { Bytes: upload('green') } }),
      );
      const all = await rekognition.send(
        new DetectLabelsCommand({ Image: { Bytes: upload('green') }, MinConfidence: 0 }),
      );
      const byCategory = await rekognition.send(
        new DetectLabelsCommand({
          Image: { Bytes: upload('green') },
          MinConfidence: 0,
          Settings: { GeneralLabels: { LabelCategoryInclusionFilters: ['Animals and Pets'] } },
        }),
      );

      // Assess: the best label above Rekognition's default floor of 55, each label a leaf of its own.
      expect(confident.LabelModelVersion).to.equal('lambdavision/colours');
      expect(confident.Labels?.[0]).to.deep.include({
        Name: 'green',
        Instances: [],
        Parents: [],
        Aliases: [],
        Categories: [],
      });
      expect(confident.Labels?.[0]?.Confidence).to.be.above(55);
      expect(all.Labels?.map((l) => l.Name)).to.have.members(model.labels);
      const total = (all.Labels ?? []).reduce((sum, l) => sum + (l.Confidence ?? 0), 0);
      expect(total).to.be.closeTo(100, 0.1);
      expect(byCategory.Labels).to.deep.equal([]);
    });

    it('refuses DetectCustomLabels as an operation it does not serve (DetectLabels answers custom labels)', async () => {
      let error: unknown;
      try {
        await rekognition.send(
          new DetectCustomLabelsCommand({
            ProjectVersionArn: 'arn:aws:rekognition:us-east-1:123456789012:project/colours/version/1/1',
            Image: { Bytes: upload('green') },
          }),
        );
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InvalidParameterException);
      expect((error as Error).message).to.include('only RekognitionService.DetectLabels');
    });
  });

  describe('local backfill (npx lambdavision backfill --model <trained folder>)', () => {
    let s3: LocalS3;
    before(async () => {
      s3 = await startLocalS3({ buckets: ['lambdavision'] });
    });
    after(async () => {
      await s3?.close();
    });

    it('classifies the objects already in the bucket with the custom labels', async () => {
      // Prepare: images uploaded before there was a function
      const client = s3.client();
      const colours: ColourName[] = ['yellow', 'red', 'green'];
      for (const [i, colour] of colours.entries()) {
        await client.send(
          new PutObjectCommand({
            Bucket: 'lambdavision',
            Key: `uploads/old-${i}.png`,
            Body: upload(colour, i),
          }),
        );
      }
      const { io, out, err } = captureIo();

      // Act
      const status = await runBackfill(
        ['--prefix', 'uploads/', '--model', model.dir, '--endpoint-url', s3.endpoint, '--no-progress'],
        io,
      );

      // Assess
      expect(status, err()).to.equal(0);
      expect(
        out()
          .split('\n')
          .filter((l) => l.startsWith('classified\t')),
      ).to.have.length(3);
      for (const [i, colour] of colours.entries()) {
        const result = await bodyOf<SuccessResult>(
          client,
          'lambdavision',
          `results/uploads/old-${i}.png.json`,
        );
        expect(result.predictions[0]?.label, `old-${i}.png`).to.equal(colour);
      }
      client.destroy();
    });
  });

  describe('fetch-model --from <trained folder>, then classify', () => {
    it('copies the folder, which classifies like the original, the few-shot label included', async () => {
      // Prepare
      const copy = path.join(scratchDir(), 'copied');
      const fetched = captureIo();
      const images = scratchDir();
      for (const colour of ['yellow', model.fewShot] as const) {
        writeFileSync(path.join(images, `${colour}.png`), upload(colour, 7));
      }

      // Act
      const status = await runFetchModel(['--from', model.dir, '--out', copy], {
        env: {},
        stdout: (l) => fetched.io.stdout.write(`${l}\n`),
        stderr: (l) => fetched.io.stderr.write(`${l}\n`),
      });
      const original = captureIo();
      const copied = captureIo();
      await runClassify(['--json', '--no-progress', '--model', model.dir, images], original.io);
      await runClassify(['--json', '--no-progress', '--model', copy, images], copied.io);

      // Assess
      expect(status, fetched.err()).to.equal(0);
      expect(fetched.out()).to.equal(`${copy}\n`);
      const answers = (text: string) =>
        text
          .trim()
          .split('\n')
          .map(
            (line) =>
              JSON.parse(line) as { file: string; predictions: { label: string; probability: number }[] },
          )
          .map((r) => ({ file: path.basename(r.file), predictions: r.predictions }));
      expect(answers(copied.out())).to.deep.equal(answers(original.out()));
      expect(answers(copied.out()).map((a) => [a.file, a.predictions[0]?.label])).to.deep.equal([
        [`${model.fewShot}.png`, model.fewShot],
        ['yellow.png', 'yellow'],
      ]);
    });

    it('make -C layer model-layer MODEL_SOURCE=<relative trained folder>: the layer holds the trained model', function () {
      // Prepare
      if (spawnSync('make', ['--version']).error) {
        console.log('      skipped: make is not installed');
        this.skip();
      }
      const layer = scratchDir();
      const typedIn = path.dirname(model.dir);

      // Act: typed beside the trained folder; make runs in layer/ (-C) and then in a sub-make, whose shell
      // has layer/ as its $PWD. MODEL_LAYER_DIR keeps the project's own .lambdavision/model-layer untouched.
      const run = spawnSync(
        'make',
        [
          '-s',
          '-C',
          path.join(PROJECT_ROOT, 'layer'),
          'model-layer',
          `MODEL_LAYER_DIR=${layer}`,
          `MODEL_SOURCE=./${path.basename(model.dir)}`,
        ],
        {
          cwd: typedIn,
          encoding: 'utf8',
          env: { ...process.env, PWD: typedIn, npm_config_update_notifier: 'false' },
        },
      );

      // Assess
      expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
      expect(run.stderr).to.match(/^verified colours: layers-model, input 32x32, 4 classes/m);
      expect(readdirSync(layer)).to.deep.equal(['model']);
      const manifest = JSON.parse(readFileSync(path.join(layer, 'model', 'lambdavision.json'), 'utf8'));
      expect(manifest.head.labels).to.equal(4);
      expect(readdirSync(path.join(layer, 'model')).sort()).to.deep.equal([
        'base',
        'evaluation.json',
        'evaluation.md',
        'head.bin',
        'labels.json',
        'lambdavision.json',
        'provenance.json',
      ]);
    });
  });
});
