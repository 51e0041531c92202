import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { ErrorCode } from '../../function/classifier/index';
import { type LocalS3, startLocalS3 } from '../../scripts/lib/local-s3';
import { readDataset } from '../../training/index';
import { tempDir } from '../support/tiny-models';
import { colourPng, writeColourSet } from './support/colour-set';

const summary = async (source: string, s3?: LocalS3) => {
  const data = await readDataset(source, { s3: s3?.client() });
  return { kind: data.kind, items: data.items.map((i) => [path.basename(i.id), i.label]) };
};

describe('labelled data sources', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a folder with one subfolder per label, passing over non-images and hidden files', async () => {
    writeColourSet(dir, { red: 2, blue: 1 });
    writeFileSync(path.join(dir, 'red', 'README.txt'), 'notes');
    writeFileSync(path.join(dir, 'red', '.DS_Store'), '');
    expect(await summary(dir)).to.deep.equal({
      kind: 'folder',
      items: [
        ['blue-0.png', 'blue'],
        ['red-0.png', 'red'],
        ['red-1.png', 'red'],
      ],
    });
    expect((await (await readDataset(dir)).items[0]?.read())?.length).to.be.greaterThan(100);
  });

  it('follows symbolic links to images and label folders, lists a dangling one, and ends a link loop', async () => {
    const store = path.join(dir, 'store');
    writeColourSet(store, { red: 2, blue: 1 });
    const data = path.join(dir, 'data');
    mkdirSync(path.join(data, 'red'), { recursive: true });
    symlinkSync(path.join(store, 'red', 'red-0.png'), path.join(data, 'red', 'linked.png'));
    symlinkSync(path.join(store, 'nowhere.png'), path.join(data, 'red', 'dangling.png'));
    symlinkSync(path.join(data, 'red'), path.join(data, 'red', 'loop'));
    symlinkSync(path.join(store, 'blue'), path.join(data, 'blue'));
    expect(await summary(data)).to.deep.equal({
      kind: 'folder',
      items: [
        ['blue-0.png', 'blue'],
        ['dangling.png', 'red'],
        ['linked.png', 'red'],
      ],
    });
    const dangling = (await readDataset(data)).items.find((i) => i.id.endsWith('dangling.png'));
    const error = await dangling?.read().catch((e: unknown) => e);
    expect(error).to.have.property('code', 'ENOENT');
  });

  it('refuses a label folder link that leads nowhere, naming it, instead of dropping the label', async () => {
    writeColourSet(dir, { red: 2 });
    symlinkSync(path.join(dir, 'no-such-folder'), path.join(dir, 'green'));
    const error = await readDataset(dir).catch((e: unknown) => e);
    expect(error).to.have.property('code', ErrorCode.DATASET_INVALID);
    expect((error as Error).message).to.include(`${path.join(dir, 'green')} is a link that leads nowhere`);
  });

  it('says which label folder is empty', async () => {
    writeColourSet(dir, { red: 2 });
    mkdirSync(path.join(dir, 'green'));
    const error = await readDataset(dir).catch((e: unknown) => e);
    expect(error).to.have.property('code', ErrorCode.EMPTY_LABEL);
    expect((error as Error).message).to.include('label "green" has no images');
  });

  it('reads a CSV of path,label (with a header, paths relative to the CSV) and a Ground Truth manifest', async () => {
    writeColourSet(dir, { red: 1, blue: 1 });
    const csv = path.join(dir, 'labels.csv');
    writeFileSync(csv, 'path,label\nred/red-0.png,warm\n"blue/blue-0.png",cold\n');
    const manifest = path.join(dir, 'output.manifest');
    const line = (ref: string, name: string) =>
      JSON.stringify({
        'source-ref': ref,
        'my-job': 0,
        'my-job-metadata': { 'class-name': name, confidence: 0.9 },
      });
    writeFileSync(
      manifest,
      `${line('red/red-0.png', 'warm')}\n${line(path.join(dir, 'blue/blue-0.png'), 'cold')}\n`,
    );
    const expected = [
      ['red-0.png', 'warm'],
      ['blue-0.png', 'cold'],
    ];
    expect(await summary(csv)).to.deep.equal({ kind: 'csv', items: expected });
    expect(await summary(manifest)).to.deep.equal({ kind: 'ground-truth', items: expected });
  });

  it('names the row of a malformed CSV and a missing data source', async () => {
    const csv = path.join(dir, 'bad.csv');
    writeFileSync(csv, 'a.png,cat\nb.png\n');
    expect(await readDataset(csv).catch((e: unknown) => e))
      .to.have.property('message')
      .that.includes('row 2: expected "path,label"');
    expect(await readDataset(path.join(dir, 'nope')).catch((e: unknown) => e)).to.have.property(
      'code',
      ErrorCode.DATASET_NOT_FOUND,
    );
  });

  describe('on S3 (a local s3rver)', () => {
    let s3: LocalS3;
    before(async () => {
      s3 = await startLocalS3({ buckets: ['photos'] });
    });
    after(() => s3.close());

    it('reads s3://bucket/prefix/<label>/<image> and refuses an empty label "folder"', async () => {
      // Prepare
      const client = s3.client();
      const put = (Key: string, Body: Uint8Array | string) =>
        client.send(new PutObjectCommand({ Bucket: 'photos', Key, Body }));
      await put('set/red/a photo.png', colourPng('red', 1));
      await put('set/blue/b.png', colourPng('blue', 2));
      await put('set/blue/notes.txt', 'not an image');

      // Act
      const data = await readDataset('s3://photos/set', { s3: client });

      // Assess
      expect(data.items.map((i) => [i.id, i.label])).to.deep.equal([
        ['s3://photos/set/blue/b.png', 'blue'],
        ['s3://photos/set/red/a photo.png', 'red'],
      ]);
      expect(Buffer.from((await data.items[1]?.read()) ?? [])).to.deep.equal(colourPng('red', 1));
      await put('set/green/', new Uint8Array(0));
      expect(await readDataset('s3://photos/set/', { s3: client }).catch((e: unknown) => e)).to.have.property(
        'code',
        ErrorCode.EMPTY_LABEL,
      );
    });
  });
});
