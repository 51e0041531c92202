import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse/sync';
import { ErrorCode, IMAGE_EXTENSIONS } from '../function/classifier/index';
import { TrainingError } from './errors';

/** One labelled image: where it is, its label, and how to get its bytes. */
export interface LabelledImage {
  /** A path or s3:// URI, for messages and reports. */
  id: string;
  label: string;
  read(): Promise<Uint8Array>;
}

export type DatasetKind = 'folder' | 's3-folder' | 'csv' | 'ground-truth';

export interface Dataset {
  /** What the user named. */
  source: string;
  kind: DatasetKind;
  items: LabelledImage[];
}

export interface DatasetOptions {
  /** Needed only for s3:// data; injected so tests use a local server. */
  s3?: S3Client;
}

/** Files taken from label folders (others, like README or .DS_Store, are passed over): the core's list. */
const isImageName = (name: string) => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
const isHidden = (name: string) => name.startsWith('.');

interface S3Location {
  bucket: string;
  key: string;
}

function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1])
    throw new TrainingError(ErrorCode.DATASET_INVALID, `${uri} is not an s3://bucket/prefix URI`);
  return { bucket: match[1], key: match[2] ?? '' };
}

function needS3(options: DatasetOptions, uri: string): S3Client {
  if (!options.s3) throw new TrainingError(ErrorCode.DATASET_INVALID, `${uri}: no S3 client was given`);
  return options.s3;
}

async function getObject(s3: S3Client, uri: string): Promise<Uint8Array> {
  const { bucket, key } = parseS3Uri(uri);
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new TrainingError(ErrorCode.DATASET_INVALID, `${uri} has no body`);
  return out.Body.transformToByteArray();
}

/**
 * Image files under `dir`, following symbolic links (datasets are often curated as folders of links), each
 * real folder once so a link loop ends. A dangling link with an image name is kept: reading it fails and
 * it is listed as skipped with its code, rather than silently missing.
 */
async function filesUnder(dir: string, seen = new Set<string>()): Promise<string[]> {
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (isHidden(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const kind = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
    if (kind?.isDirectory()) out.push(...(await filesUnder(full, seen)));
    else if ((kind === undefined || kind.isFile()) && isImageName(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Whether a folder entry is a directory, through a symbolic link too. A link that leads nowhere is a
 * label that would vanish without a word: it is refused, naming it.
 */
async function isFolder(dir: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  const target = path.join(dir, entry.name);
  const info = await stat(target).catch((cause: unknown) => {
    throw new TrainingError(
      ErrorCode.DATASET_INVALID,
      `${target} is a link that leads nowhere (${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}): fix or remove it`,
    );
  });
  return info.isDirectory();
}

function emptyLabel(label: string, where: string): TrainingError {
  return new TrainingError(
    ErrorCode.EMPTY_LABEL,
    `label "${label}" has no images (${where}): add images or remove the folder`,
  );
}

/** The Custom Labels layout: one subfolder per label, its images anywhere below it. */
async function readFolder(dir: string): Promise<LabelledImage[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const items: LabelledImage[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name) || !(await isFolder(dir, entry))) continue;
    const folder = path.join(dir, entry.name);
    const files = await filesUnder(folder);
    if (files.length === 0) throw emptyLabel(entry.name, folder);
    for (const file of files) items.push({ id: file, label: entry.name, read: () => readFile(file) });
  }
  return items;
}

/** The same layout under an S3 prefix: s3://bucket/prefix/<label>/<image>. */
async function readS3Folder(uri: string, s3: S3Client): Promise<LabelledImage[]> {
  const { bucket, key } = parseS3Uri(uri);
  const prefix = key && !key.endsWith('/') ? `${key}/` : key;
  const byLabel = new Map<string, string[]>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const rest = (object.Key ?? '').slice(prefix.length);
      const [label, ...under] = rest.split('/');
      if (!label || under.length === 0 || isHidden(label)) continue;
      const keys = byLabel.get(label) ?? [];
      byLabel.set(label, keys);
      // A zero-byte "label/" key is how the console makes a folder: the label exists, maybe empty.
      if (under.join('/') !== '' && isImageName(rest)) keys.push(object.Key as string);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const items: LabelledImage[] = [];
  for (const [label, keys] of [...byLabel].sort(([a], [b]) => a.localeCompare(b))) {
    if (keys.length === 0) throw emptyLabel(label, `s3://${bucket}/${prefix}${label}/`);
    for (const k of keys.sort()) {
      const id = `s3://${bucket}/${k}`;
      items.push({ id, label, read: () => getObject(s3, id) });
    }
  }
  return items;
}

/** A manifest entry's image: an s3:// URI, or a path relative to the manifest's folder. */
function reference(ref: string, base: string, options: DatasetOptions): Pick<LabelledImage, 'id' | 'read'> {
  // Relative references in a manifest stored on S3 are keys beside it.
  const uri = ref.startsWith('s3://') ? ref : base.startsWith('s3://') ? `${base}${ref}` : undefined;
  if (uri) {
    const s3 = needS3(options, uri);
    return { id: uri, read: () => getObject(s3, uri) };
  }
  const file = path.resolve(base, ref);
  return { id: file, read: () => readFile(file) };
}

/** CSV of `path,label` rows (a header row naming path and label is allowed). */
function readCsv(text: string, source: string, base: string, options: DatasetOptions): LabelledImage[] {
  let rows: string[][];
  try {
    rows = parseCsv(text, { skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (cause) {
    throw new TrainingError(ErrorCode.DATASET_INVALID, `${source}: ${(cause as Error).message}`, { cause });
  }
  const [first] = rows;
  if (first && first[0]?.toLowerCase() === 'path' && first[1]?.toLowerCase() === 'label') rows.shift();
  return rows.map((row, i) => {
    const [ref, label] = row;
    if (!ref || !label || row.length !== 2) {
      throw new TrainingError(
        ErrorCode.DATASET_INVALID,
        `${source} row ${i + 1}: expected "path,label", got ${JSON.stringify(row.join(','))}`,
      );
    }
    return { ...reference(ref, base, options), label };
  });
}

/**
 * A SageMaker Ground Truth image classification output manifest: JSON lines with `source-ref` and a
 * `<job>-metadata` object whose `class-name` is the label.
 */
function readGroundTruth(
  text: string,
  source: string,
  base: string,
  options: DatasetOptions,
): LabelledImage[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch (cause) {
      throw new TrainingError(ErrorCode.DATASET_INVALID, `${source} line ${i + 1} is not JSON`, { cause });
    }
    const ref = entry['source-ref'];
    const meta = Object.entries(entry).find(
      ([k, v]) =>
        k.endsWith('-metadata') && typeof (v as { 'class-name'?: unknown })?.['class-name'] === 'string',
    );
    const label = (meta?.[1] as { 'class-name': string } | undefined)?.['class-name'];
    if (typeof ref !== 'string' || !label) {
      throw new TrainingError(
        ErrorCode.DATASET_INVALID,
        `${source} line ${i + 1}: expected "source-ref" and a "<job>-metadata" with "class-name"`,
      );
    }
    return { ...reference(ref, base, options), label };
  });
}

const isManifestName = (name: string) => /\.(manifest|jsonl|json)$/i.test(name);

/** Reads labelled images from a folder, an s3:// prefix, a CSV or a Ground Truth manifest (local or S3). */
export async function readDataset(source: string, options: DatasetOptions = {}): Promise<Dataset> {
  let kind: DatasetKind;
  let items: LabelledImage[];
  if (source.startsWith('s3://')) {
    const s3 = needS3(options, source);
    if (/\.csv$/i.test(source) || isManifestName(source)) {
      const text = Buffer.from(await getObject(s3, source)).toString('utf8');
      const base = source.slice(0, source.lastIndexOf('/') + 1);
      kind = /\.csv$/i.test(source) ? 'csv' : 'ground-truth';
      items =
        kind === 'csv' ? readCsv(text, source, base, options) : readGroundTruth(text, source, base, options);
    } else {
      kind = 's3-folder';
      items = await readS3Folder(source, s3);
    }
  } else {
    const info = await stat(source).catch(() => undefined);
    if (!info) throw new TrainingError(ErrorCode.DATASET_NOT_FOUND, `labelled data ${source} does not exist`);
    if (info.isDirectory()) {
      kind = 'folder';
      items = await readFolder(source);
    } else {
      const text = await readFile(source, 'utf8');
      const base = path.dirname(path.resolve(source));
      if (/\.csv$/i.test(source)) {
        kind = 'csv';
        items = readCsv(text, source, base, options);
      } else if (isManifestName(source)) {
        kind = 'ground-truth';
        items = readGroundTruth(text, source, base, options);
      } else {
        throw new TrainingError(
          ErrorCode.DATASET_INVALID,
          `${source}: give a folder with one subfolder per label, an s3:// prefix, a .csv (path,label) or a Ground Truth .manifest`,
        );
      }
    }
  }
  if (items.length === 0) {
    throw new TrainingError(ErrorCode.DATASET_INVALID, `${source} holds no labelled images`);
  }
  return { source, kind, items };
}
