import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { loadClassifier } from '../../function/classifier/index';
import { FetchError, fetchModel, runFetchModel, verifyLoads } from '../../scripts/lib/fetch-model-command';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { type CatalogEntry, DEFAULT_CATALOG_MODEL, MODEL_CATALOG } from '../../scripts/lib/model-catalog';
import { writeTflite } from '../classifier/tflite/tflite-writer';
import { mobileNetV3Like } from '../classifier/tflite/tiny-tflite-models';
import { realModelDir, requireShared, sharedModelDir, testImagesDir } from '../support/shared-data';
import { buildTinyGraphModel, tempDir } from '../support/tiny-models';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const LABELS = `${Array.from({ length: 1001 }, (_, i) => (i === 0 ? 'background' : `thing ${i}`)).join('\n')}\n`;

/** A tiny graph model with a label file, as someone's own model folder. */
function tinyModelFolder(): string {
  const dir = buildTinyGraphModel(tempDir('lambdavision-source-'));
  writeFileSync(path.join(dir, 'labels.txt'), LABELS);
  return dir;
}

function catalogFor(dir: string, overrides: Partial<CatalogEntry> = {}): Record<string, CatalogEntry> {
  return {
    tiny: {
      description: 'test model',
      modelPath: 'model.json',
      labels: { path: 'labels.txt' },
      sha256: {
        'model.json': sha(path.join(dir, 'model.json')),
        'group1-shard1of1.bin': sha(path.join(dir, 'group1-shard1of1.bin')),
        'labels.txt': sha(path.join(dir, 'labels.txt')),
      },
      manifest: { name: 'tiny', output: 'probabilities', backgroundClasses: 1 },
      ...overrides,
    },
  };
}

/** Serves a folder over HTTP on the loopback address, like a model hub (query strings ignored). */
async function serveFolder(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/model\//, '');
    try {
      const body = await readFile(path.join(dir, name));
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/model`, server };
}

describe('fetch-model', () => {
  describe('from a local folder', () => {
    it('recognises a copy of a catalog model by its checksums and writes the flat, verified folder', async () => {
      // Prepare
      const source = tinyModelFolder();
      const out = path.join(tempDir(), 'model');
      const lines: string[] = [];

      // Act
      const result = await fetchModel({
        from: source,
        out,
        catalog: catalogFor(source),
        log: (l) => lines.push(l),
      });

      // Assess
      expect(result.catalogModel).to.equal('tiny');
      expect(lines).to.include('recognised tiny by the checksum of model.json');
      const manifest = JSON.parse(readFileSync(path.join(out, 'lambdavision.json'), 'utf8'));
      expect(manifest).to.deep.equal({
        name: 'tiny',
        output: 'probabilities',
        backgroundClasses: 1,
        model: 'model.json',
        labels: 'labels.txt',
      });
      const provenance = JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8'));
      expect(
        provenance.files.map((f: { path: string; checksum: string }) => `${f.path}: ${f.checksum}`),
      ).to.deep.equal([
        'model.json: pinned in catalog',
        'group1-shard1of1.bin: pinned in catalog',
        'labels.txt: pinned in catalog',
      ]);
      expect(result.verified).to.match(
        /^tiny: graph-model, input 16x16, 1000 classes \(\+1 background\), output probabilities/,
      );
    });

    it('refuses a copy whose file differs from the pinned checksum, and writes nothing', async () => {
      const source = tinyModelFolder();
      const catalog = catalogFor(source);
      writeFileSync(path.join(source, 'labels.txt'), LABELS.replace('thing 7', 'thing seven'));
      const out = path.join(tempDir(), 'model');
      let error: unknown;
      try {
        await fetchModel({ from: source, model: 'tiny', out, catalog, log: () => {} });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(FetchError);
      expect((error as Error).message).to.match(
        /^checksum mismatch for .*labels\.txt: the catalog pins [0-9a-f]{64}, the file is [0-9a-f]{64}$/,
      );
      expect(existsSync(out)).to.equal(false);
    });

    it('takes any TF.js model folder as a custom model, naming the missing shard when there is one', async () => {
      const source = tinyModelFolder();
      const out = path.join(tempDir(), 'model');
      const result = await fetchModel({ from: source, out, catalog: {}, name: 'mine', log: () => {} });
      expect(result.catalogModel).to.equal(undefined);
      expect(JSON.parse(readFileSync(path.join(out, 'lambdavision.json'), 'utf8'))).to.deep.equal({
        name: 'mine',
        model: 'model.json',
        labels: 'labels.txt',
      });

      writeFileSync(
        path.join(source, 'model.json'),
        readFileSync(path.join(source, 'model.json'), 'utf8').replace('group1-shard1of1.bin', 'gone.bin'),
      );
      const again = path.join(tempDir(), 'model');
      let error: unknown;
      try {
        await fetchModel({ from: source, out: again, catalog: {}, log: () => {} });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.match(
        /^weight shard .*gone\.bin named in model\.json does not exist$/,
      );
      expect(existsSync(again)).to.equal(false);
    });

    it('recognises the real MobileNet v2 copy and loads it', async function () {
      const source = requireShared(this, realModelDir());
      const out = path.join(tempDir(), 'model');
      const result = await fetchModel({ from: source, out, log: () => {} });
      expect(result.catalogModel).to.equal('mobilenet_v2_1.0_224_quant_tfjs');
      expect(result.files.every((f) => f.checksum === 'pinned in catalog')).to.equal(true);
      expect(result.verified).to.match(
        /1000 classes \(\+1 background\), output probabilities, labels from labels\.json/,
      );
    });
  });

  describe('from a pinned URL', () => {
    let source: string;
    let hub: { url: string; server: Server };
    before(async () => {
      source = tinyModelFolder();
      hub = await serveFolder(source);
    });
    after(() => hub.server.close());

    const hubCatalog = (): Record<string, CatalogEntry> => ({
      tiny: {
        ...catalogFor(source).tiny,
        url: hub.url,
        query: '?tfjs-format=file',
        sha256: {},
        labels: 'imagenet-1000',
      } as CatalogEntry,
    });

    it('refuses files this project has no checksum for, unless told to trust the first download', async () => {
      const out = path.join(tempDir(), 'model');
      const pinsFile = path.join(tempDir(), 'pins.json');
      let error: unknown;
      try {
        await fetchModel({ model: 'tiny', out, catalog: hubCatalog(), pinsFile, log: () => {} });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.match(
        /^no pinned SHA-256 for http:\/\/127\.0\.0\.1:\d+\/model\/model\.json\?tfjs-format=file: .*--record-checksums/,
      );
      expect(existsSync(out)).to.equal(false);
      expect(existsSync(pinsFile)).to.equal(false);
    });

    it('with --record-checksums trusts the first download loudly, records it, and refuses a changed file later', async () => {
      // Prepare
      const pinsFile = path.join(tempDir(), 'pins.json');
      const lines: string[] = [];

      // Act
      const first = await fetchModel({
        model: 'tiny',
        out: path.join(tempDir(), 'm'),
        catalog: hubCatalog(),
        pinsFile,
        recordChecksums: true,
        log: (l) => lines.push(l),
      });

      // Assess
      expect(first.files.map((f) => f.checksum)).to.deep.equal([
        'recorded now (first use)',
        'recorded now (first use)',
        'generated',
      ]);
      expect(
        lines.filter((l) => l.startsWith('WARNING: ') && l.includes('no pinned checksum')),
      ).to.have.length(2);
      const pins = JSON.parse(readFileSync(pinsFile, 'utf8'));
      expect(pins[`${hub.url}/model.json?tfjs-format=file`]).to.equal(sha(path.join(source, 'model.json')));
      const labels = JSON.parse(readFileSync(path.join(first.out, 'labels.json'), 'utf8'));
      expect(labels).to.have.length(1000);
      expect(labels[0]).to.equal('tench, Tinca tinca');

      // A second fetch matches the record; after the server's bytes change it is refused.
      const second = await fetchModel({
        model: 'tiny',
        out: path.join(tempDir(), 'm'),
        catalog: hubCatalog(),
        pinsFile,
        log: () => {},
      });
      expect(second.files[0]?.checksum).to.equal('recorded earlier');
      const shard = path.join(source, 'group1-shard1of1.bin');
      const bytes = readFileSync(shard);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      writeFileSync(shard, bytes);
      let error: unknown;
      try {
        await fetchModel({
          model: 'tiny',
          out: path.join(tempDir(), 'm'),
          catalog: hubCatalog(),
          pinsFile,
          recordChecksums: true,
          log: () => {},
        });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.match(
        /^checksum mismatch for .*group1-shard1of1\.bin\?tfjs-format=file: recorded [0-9a-f]{64} on first use/,
      );
    });
  });

  describe('from an s3:// prefix', () => {
    let s3: LocalS3;
    before(async () => {
      s3 = await startLocalS3({ buckets: ['models'] });
    });
    after(async () => {
      await s3?.close();
    });

    it('reads model.json, its shards and the labels with GetObject, and verifies the model', async () => {
      // Prepare
      const source = tinyModelFolder();
      for (const name of ['model.json', 'group1-shard1of1.bin', 'labels.txt']) {
        await s3.client().send(
          new PutObjectCommand({
            Bucket: 'models',
            Key: `nets/tiny/${name}`,
            Body: readFileSync(path.join(source, name)),
          }),
        );
      }
      const out = path.join(tempDir(), 'model');

      // Act
      const result = await fetchModel({
        from: 's3://models/nets/tiny',
        out,
        catalog: {},
        s3: s3.client(),
        log: () => {},
      });

      // Assess
      expect(result.files.map((f) => f.from)).to.deep.equal([
        's3://models/nets/tiny/model.json',
        's3://models/nets/tiny/group1-shard1of1.bin',
        's3://models/nets/tiny/labels.txt',
      ]);
      expect(readFileSync(path.join(out, 'labels.txt'), 'utf8')).to.equal(LABELS);
      expect(result.name).to.equal('tiny');
      expect(result.verified).to.match(/labels from labels\.txt/);
    });

    it('says where it looked when the prefix holds no model', async () => {
      let error: unknown;
      try {
        await fetchModel({
          from: 's3://models/nothing/',
          out: path.join(tempDir(), 'm'),
          catalog: {},
          s3: s3.client(),
          log: () => {},
        });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.equal(
        'no model in s3://models/nothing/: looked for s3://models/nothing/model.json, s3://models/nothing/tfjs/model.json',
      );
    });
  });

  describe('the command', () => {
    const io = () => {
      const out: string[] = [];
      const err: string[] = [];
      return {
        out,
        err,
        io: { env: {}, stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) },
      };
    };

    it('takes the source from LAMBDAVISION_MODEL_SOURCE and prints the folder it wrote', async () => {
      const source = tinyModelFolder();
      const target = path.join(tempDir(), 'model');
      const { out, io: base } = io();
      const status = await runFetchModel(['--out', target], {
        ...base,
        env: { LAMBDAVISION_MODEL_SOURCE: source },
        overrides: { catalog: {}, verify: verifyLoads },
      });
      expect(status).to.equal(0);
      expect(out).to.deep.equal([target]);
    });

    it('exits 2 with the usage for a mistake, and 1 when the fetch fails', async () => {
      const mistake = io();
      expect(await runFetchModel(['--modle', 'x'], mistake.io)).to.equal(2);
      expect(mistake.err.join('\n')).to.include('Usage: lambdavision fetch-model');
      const existing = io();
      expect(await runFetchModel(['--from', tinyModelFolder(), '--out', tempDir()], existing.io)).to.equal(2);
      expect(existing.err.join('\n')).to.match(/already exists: --force replaces it/);
      const missing = io();
      expect(
        await runFetchModel(
          ['--from', path.join(tempDir(), 'none'), '--out', path.join(tempDir(), 'm')],
          missing.io,
        ),
      ).to.equal(1);
      expect(missing.err.join('\n')).to.match(/^fetch-model: MODEL_NOT_FOUND: no model in /m);
    });
  });

  describe('the catalog', () => {
    it('pins only real SHA-256 values: the default at a fixed commit, none for the TF Hub downloads this project never saw', () => {
      for (const [name, entry] of Object.entries(MODEL_CATALOG)) {
        for (const hash of Object.values(entry.sha256)) expect(hash, name).to.match(/^[0-9a-f]{64}$/);
        if (entry.url?.startsWith('https://tfhub.dev/')) {
          expect(entry.sha256, `${name} was never downloaded here`).to.deep.equal({});
        }
      }
      const defaultEntry = MODEL_CATALOG[DEFAULT_CATALOG_MODEL] as CatalogEntry;
      expect(defaultEntry.url).to.equal(
        'https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41',
      );
      expect(Object.keys(defaultEntry.sha256).sort()).to.deep.equal([
        'imagenet_labels.txt',
        'mobilenet_v2_1.0_224_quant.tflite',
      ]);
      expect(MODEL_CATALOG).to.have.keys(
        'mobilenet_v2_1.0_224_quant',
        'mobilenet_v2_1.0_224',
        'resnet_v2_50',
        'mobilenet_v2_1.0_224_quant_tfjs',
      );
    });

    it('pins the default to the SHA-256 values of the shared PROVENANCE.md', function () {
      const dir = requireShared(this, sharedModelDir('mobilenet_v2_1.0_224_quant'));
      const provenance = readFileSync(path.join(dir, 'PROVENANCE.md'), 'utf8');
      for (const [file, hash] of Object.entries(
        (MODEL_CATALOG[DEFAULT_CATALOG_MODEL] as CatalogEntry).sha256,
      )) {
        expect(provenance, file).to.match(
          new RegExp(`\\| \`tflite/${file.replace(/\./g, '\\.')}\` \\| \\d+ \\| \`${hash}\` \\|`),
        );
      }
    });

    it('--list shows the pinned default and the TF Hub models as unpinned alternatives', async () => {
      const out: string[] = [];
      const status = await runFetchModel(['--list'], {
        env: {},
        stdout: (l) => out.push(l),
        stderr: () => {},
      });
      expect(status).to.equal(0);
      const text = out.join('\n');
      expect(text).to.match(
        /^mobilenet_v2_1\.0_224_quant \(default\)\n.*\n {2}https:\/\/raw\.githubusercontent\.com\/google-coral\/test_data\/104342d2d3480b3e66203073dac24f4e2dbb4c41\/mobilenet_v2_1\.0_224_quant\.tflite \(SHA-256 pinned\)$/m,
      );
      expect(text).to.match(
        /^resnet_v2_50\n.*\n {2}https:\/\/tfhub\.dev\/.* \(unpinned alternative: needs --record-checksums\)$/m,
      );
    });
  });

  describe('the default model, downloaded (a local server stands in for raw.githubusercontent.com)', () => {
    let shared: string;
    let root: string;
    const servers: Server[] = [];
    before(function () {
      shared = path.join(requireShared(this, sharedModelDir('mobilenet_v2_1.0_224_quant')), 'tflite');
      root = tempDir('lambdavision-default-model-');
    });
    after(() => {
      for (const server of servers) server.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    /** The real catalog with the default's URL pointed at `url`: the pins stay the real ones. */
    const catalogAt = (url: string): Record<string, CatalogEntry> => ({
      ...MODEL_CATALOG,
      [DEFAULT_CATALOG_MODEL]: { ...(MODEL_CATALOG[DEFAULT_CATALOG_MODEL] as CatalogEntry), url },
    });
    const run = async (args: string[], url: string) => {
      const err: string[] = [];
      const out: string[] = [];
      const status = await runFetchModel(args, {
        env: {},
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        overrides: { catalog: catalogAt(url), pinsFile: path.join(root, 'pins.json') },
      });
      return { status, out, err: err.join('\n') };
    };
    /** Nothing but `keep` in the folder: no half-written model, no .partial folder. */
    const leftovers = (parent: string, keep: string[] = []): string[] =>
      readdirSync(parent).filter((name) => !keep.includes(name));

    it('downloads the TFLite file and the 1001 labels, checks both pins, needs no --record-checksums, and classifies', async () => {
      // Prepare
      const hub = await serveFolder(shared);
      servers.push(hub.server);
      const parent = path.join(root, 'ok');
      const out = path.join(parent, 'default');
      // Act
      const { status, err } = await run(['--out', out], hub.url);
      // Assess
      expect(status, err).to.equal(0);
      expect(existsSync(path.join(root, 'pins.json')), 'nothing recorded on trust').to.equal(false);
      const provenance = JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8'));
      expect(
        provenance.files.map((f: { path: string; checksum: string }) => `${f.path}: ${f.checksum}`),
      ).to.deep.equal([
        'mobilenet_v2_1.0_224_quant.tflite: pinned in catalog',
        'labels.txt: pinned in catalog',
      ]);
      expect(JSON.parse(readFileSync(path.join(out, 'lambdavision.json'), 'utf8'))).to.deep.include({
        model: 'mobilenet_v2_1.0_224_quant.tflite',
        labels: 'labels.txt',
        backgroundClasses: 1,
      });
      expect(err).to.match(
        /^verified mobilenet_v2_1\.0_224_quant: tflite, input 224x224, 1000 classes \(\+1 background\), output probabilities, labels from labels\.txt/m,
      );
      const images = testImagesDir();
      if (images) {
        const classifier = await loadClassifier({ modelDir: out });
        const { predictions } = await classifier.classify(readFileSync(path.join(images, 'bird.bmp')), {
          topK: 1,
        });
        classifier.dispose();
        // ImageNet class 19 is the chickadee (output 20, after the background).
        expect(predictions[0]).to.include({ classId: 19, label: 'chickadee' });
      }
      expect(leftovers(parent)).to.deep.equal(['default']);
    });

    it('refuses a file that differs from its pin and writes nothing', async () => {
      // Prepare: the same folder, with one label changed.
      const tampered = path.join(root, 'tampered-source');
      mkdirSync(tampered);
      copyFileSync(
        path.join(shared, 'mobilenet_v2_1.0_224_quant.tflite'),
        path.join(tampered, 'mobilenet_v2_1.0_224_quant.tflite'),
      );
      writeFileSync(
        path.join(tampered, 'imagenet_labels.txt'),
        readFileSync(path.join(shared, 'imagenet_labels.txt'), 'utf8').replace('goldfish', 'goldfisch'),
      );
      const hub = await serveFolder(tampered);
      servers.push(hub.server);
      const parent = path.join(root, 'mismatch');
      mkdirSync(parent);
      // Act
      const { status, err } = await run(['--out', path.join(parent, 'default')], hub.url);
      // Assess
      expect(status).to.equal(1);
      expect(err).to.match(
        /checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/model\/imagenet_labels\.txt: the catalog pins b8aaeb56/,
      );
      expect(leftovers(parent)).to.deep.equal([]);
    });

    it('leaves nothing half-written when the download breaks off', async () => {
      // Prepare: a server that promises the whole file and hangs up half way.
      const bytes = readFileSync(path.join(shared, 'mobilenet_v2_1.0_224_quant.tflite'));
      const server = createServer((req, res) => {
        res.writeHead(200, { 'content-length': String(bytes.length) });
        res.write(bytes.subarray(0, bytes.length >> 1), () => req.socket.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      const parent = path.join(root, 'interrupted');
      mkdirSync(parent);
      // Act
      const { status, err } = await run(
        ['--out', path.join(parent, 'default')],
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/model`,
      );
      // Assess
      expect(status).to.equal(1);
      expect(err).to.match(
        /cannot download http:\/\/127\.0\.0\.1:\d+\/model\/mobilenet_v2_1\.0_224_quant\.tflite/,
      );
      expect(leftovers(parent)).to.deep.equal([]);
    });

    it('recognises a local copy of the default by its checksum, from the .tflite file or its folder', async () => {
      for (const from of [shared, path.join(shared, 'mobilenet_v2_1.0_224_quant.tflite')]) {
        const out = path.join(root, `copy-${path.basename(from)}`);
        const result = await fetchModel({ from, out, log: () => {}, pinsFile: path.join(root, 'pins.json') });
        expect(result.catalogModel, from).to.equal(DEFAULT_CATALOG_MODEL);
        expect(result.files.every((f) => f.checksum === 'pinned in catalog')).to.equal(true);
      }
    });
  });

  describe('from any .tflite file', () => {
    it('writes a folder with the file, its manifest and provenance that the classifier loads', async () => {
      const root = tempDir('lambdavision-tflite-source-');
      try {
        const file = path.join(root, 'tiny.tflite');
        writeFileSync(file, writeTflite(mobileNetV3Like({ classes: 1001 }).spec));
        const out = path.join(root, 'out');
        const result = await fetchModel({ from: file, out, catalog: {}, log: () => {} });
        expect(readdirSync(out).sort()).to.deep.equal([
          'lambdavision.json',
          'provenance.json',
          'tiny.tflite',
        ]);
        expect(JSON.parse(readFileSync(path.join(out, 'lambdavision.json'), 'utf8'))).to.deep.equal({
          name: 'tiny',
          model: 'tiny.tflite',
        });
        expect(result.verified).to.match(/^tiny: tflite, input 16x16, 1000 classes \(\+1 background\)/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
