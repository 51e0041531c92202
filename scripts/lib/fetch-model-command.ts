import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';
import { SingleBar } from 'cli-progress';
import {
  ErrorCode,
  LABEL_FILES,
  LambdaVisionError,
  loadClassifier,
  MANIFEST_FILE,
  ModelError,
  type ModelManifest,
} from '../../function/classifier';
import { CliError } from '../cli/cli-error';
import { type CommandIo, defineCommand, runCommand } from '../cli/command';
import { DEFAULT_MODEL_DIR, DEFAULT_MODEL_FOLDER } from '../cli/default-model';
import { ChecksumPins, sha256 } from './checksum-pins';
import { FetchError } from './fetch-error';
import { type CatalogEntry, DEFAULT_CATALOG_MODEL, isPinned, MODEL_CATALOG } from './model-catalog';
import {
  type DownloadProgress,
  HttpSource,
  type ModelSource,
  S3Source,
  safeRelative,
  shardPaths,
  sourceFor,
} from './model-source';
import { PROJECT_ROOT } from './project-root';
import { isTrainedManifest, readTrainedModel } from './trained-model-source';

export const DEFAULT_PINS_FILE = path.join(PROJECT_ROOT, '.lambdavision', 'model-pins.json');

/** Where every file came from (the name `lambdavision train` gives its record too). */
const PROVENANCE_FILE = 'provenance.json';

/** Label files looked for in a source: the classifier's own list, in its order. */
const LABEL_CANDIDATES = LABEL_FILES;

export { FetchError };

export type ChecksumStatus =
  | 'pinned in catalog'
  | 'recorded earlier'
  | 'recorded now (first use)'
  | 'not pinned'
  | 'recorded in the source'
  | 'not recorded';

export interface FetchedFile {
  /** Path inside --out. */
  path: string;
  from: string;
  bytes: number;
  sha256: string;
  checksum: ChecksumStatus | 'generated';
}

export interface FetchModelOptions {
  from?: string;
  model?: string;
  out: string;
  labels?: string;
  name?: string;
  force?: boolean;
  recordChecksums?: boolean;
  pinsFile?: string;
  catalog?: Readonly<Record<string, CatalogEntry>>;
  s3?: S3Client;
  fetch?: typeof fetch;
  /** Loads the written folder and describes it; throws when it does not load. */
  verify?: (dir: string) => Promise<string>;
  log?: (line: string) => void;
  /** A terminal to draw each download's progress bar on (nothing is drawn elsewhere). */
  progress?: { write(chunk: string): unknown; isTTY?: boolean };
}

export interface FetchModelResult {
  out: string;
  name: string;
  catalogModel?: string;
  files: FetchedFile[];
  verified: string;
}

/** A progress bar per downloaded file, drawn only on a terminal (a log gets the "fetching" lines alone). */
function downloadBar(stream: FetchModelOptions['progress']): DownloadProgress | undefined {
  if (!stream?.isTTY) return undefined;
  let bar: SingleBar | undefined;
  return (received, total, url) => {
    if (!bar) {
      bar = new SingleBar({
        stream: stream as NodeJS.WritableStream,
        format: ` {bar} {percentage}% {value}/{total} KiB ${path.posix.basename(new URL(url).pathname)}`,
        hideCursor: true,
      });
      bar.start(Math.ceil(total / 1024), 0);
    }
    bar.update(Math.floor(received / 1024));
    if (received >= total) {
      bar.stop();
      bar = undefined;
    }
  };
}

/** Loads the model the way the Lambda does, warm-up included. */
export async function verifyLoads(dir: string): Promise<string> {
  const classifier = await loadClassifier({ modelDir: dir });
  try {
    const m = classifier.model;
    return `${m.name}: ${m.format}, input ${m.inputSize[0]}x${m.inputSize[1]}, ${m.classes} classes${m.backgroundClasses ? ` (+${m.backgroundClasses} background)` : ''}, output ${m.output}, labels from ${path.basename(m.labels)}, backend ${classifier.backend}`;
  } finally {
    classifier.dispose();
  }
}

async function readStandalone(spec: string, s3?: S3Client): Promise<{ bytes: Buffer; from: string }> {
  if (spec.startsWith('s3://')) {
    const slash = spec.lastIndexOf('/');
    const source = new S3Source(spec.slice(0, slash + 1), s3);
    const name = spec.slice(slash + 1);
    const bytes = await source.read(name);
    if (!bytes) throw new FetchError(`label file ${spec} does not exist`);
    return { bytes, from: spec };
  }
  try {
    return { bytes: await readFile(spec), from: path.resolve(spec) };
  } catch (cause) {
    throw new FetchError(`cannot read label file ${spec}: ${(cause as Error).message}`, { cause });
  }
}

/** Fetches, checks, writes and verifies a model folder. */
export async function fetchModel(options: FetchModelOptions): Promise<FetchModelResult> {
  const catalog = options.catalog ?? MODEL_CATALOG;
  const log = options.log ?? ((line: string) => console.error(line));
  const out = path.resolve(options.out);
  if (existsSync(out) && !options.force) throw new CliError(`${out} already exists: --force replaces it`);
  if (options.model !== undefined && !(options.model in catalog)) {
    throw new CliError(`unknown model "${options.model}": one of ${Object.keys(catalog).join(', ')}`);
  }

  let entryName: string | undefined;
  let source: ModelSource;
  let fromFile: string | undefined;
  if (options.from?.endsWith('.tflite') && !/^(s3|https?):\/\//.test(options.from)) {
    // A single model file: its folder is the source.
    fromFile = path.basename(options.from);
    source = sourceFor(path.dirname(options.from));
    entryName = options.model;
  } else if (options.from) {
    source = sourceFor(options.from, { s3: options.s3 });
    entryName = options.model;
  } else {
    entryName = options.model ?? DEFAULT_CATALOG_MODEL;
    const entry = catalog[entryName] as CatalogEntry;
    if (!entry.url) {
      throw new CliError(
        `${entryName} has no public download: give --from <a copy> (or LAMBDAVISION_MODEL_SOURCE)`,
      );
    }
    source = new HttpSource(entry.url, entry.query, options.fetch, downloadBar(options.progress));
  }
  const downloaded = source instanceof HttpSource && !options.from;
  log(`fetching ${entryName ? `${entryName} ` : ''}from ${source.location}`);

  // A folder `lambdavision train` wrote: its manifest has a head, and its files are the manifest's own.
  if (options.from && !fromFile) {
    const manifestBytes = await source.read(MANIFEST_FILE);
    if (manifestBytes && isTrainedManifest(manifestBytes, source.locate(MANIFEST_FILE))) {
      return fetchTrained(source, manifestBytes, out, options, log);
    }
  }

  // The model file first: its checksum may tell which catalog model a local copy is.
  let entry = entryName ? catalog[entryName] : undefined;
  const tfliteIn = async (dir: string): Promise<string[]> =>
    ((await source.list?.(dir)) ?? [])
      .filter((n) => n.endsWith('.tflite'))
      .map((n) => path.posix.join(dir, n));
  const modelCandidates = fromFile
    ? [fromFile]
    : entry
      ? [entry.modelPath]
      : ['model.json', 'tfjs/model.json', ...(await tfliteIn('.')), ...(await tfliteIn('tflite'))];
  let modelRel: string | undefined;
  let modelBytes: Buffer | undefined;
  for (const candidate of modelCandidates) {
    modelBytes = await source.read(candidate);
    if (modelBytes) {
      modelRel = candidate;
      break;
    }
  }
  if (!modelBytes || !modelRel) {
    throw new ModelError(
      ErrorCode.MODEL_NOT_FOUND,
      `no model in ${source.location}: looked for ${modelCandidates.map((c) => source.locate(c)).join(', ')}`,
    );
  }
  if (!entry) {
    const hash = sha256(modelBytes);
    const known = Object.entries(catalog).find(
      ([, e]) => e.modelPath === modelRel && e.sha256[modelRel as string] === hash,
    );
    if (known) {
      [entryName, entry] = known;
      log(`recognised ${entryName} by the checksum of ${modelRel}`);
    }
  }

  const pins = await ChecksumPins.load(options.pinsFile ?? DEFAULT_PINS_FILE);
  const files: FetchedFile[] = [];
  const contents = new Map<string, Buffer>();
  const modelDir = path.posix.dirname(modelRel);

  const checksumOf = (rel: string, bytes: Buffer): ChecksumStatus => {
    const hash = sha256(bytes);
    const where = source.locate(rel);
    const pinned = entry?.sha256[rel];
    if (pinned) {
      if (pinned !== hash) {
        throw new FetchError(
          `checksum mismatch for ${where}: the catalog pins ${pinned}, the file is ${hash}`,
        );
      }
      return 'pinned in catalog';
    }
    if (!downloaded) return 'not pinned';
    const recorded = pins.get(where);
    if (recorded) {
      if (recorded !== hash) {
        throw new FetchError(
          `checksum mismatch for ${where}: recorded ${recorded} on first use (${pins.file}), now ${hash}`,
        );
      }
      return 'recorded earlier';
    }
    if (!options.recordChecksums) {
      throw new FetchError(
        `no pinned SHA-256 for ${where}: this project has never seen that file, so it cannot vouch for it. Run again with --record-checksums to trust this download and record its hash (trust on first use), or fetch --from a copy you trust`,
      );
    }
    pins.record(where, hash);
    log(
      `WARNING: ${where} has no pinned checksum; trusting this first download: sha256 ${hash} (recorded in ${pins.file})`,
    );
    return 'recorded now (first use)';
  };

  const take = (rel: string, outRel: string, bytes: Buffer): void => {
    contents.set(outRel, bytes);
    files.push({
      path: outRel,
      from: source.locate(rel),
      bytes: bytes.length,
      sha256: sha256(bytes),
      checksum: checksumOf(rel, bytes),
    });
  };

  // A TensorFlow Lite model is one file; a TF.js model.json names its shards.
  const modelOut = modelRel.endsWith('.tflite') ? path.posix.basename(modelRel) : 'model.json';
  take(modelRel, modelOut, modelBytes);
  const shards = modelOut === 'model.json' ? shardPaths(modelBytes, source.locate(modelRel)) : [];
  for (const shard of shards) {
    const rel = safeRelative(path.posix.join(modelDir, shard));
    const bytes = await source.read(rel);
    if (!bytes)
      throw new FetchError(`weight shard ${source.locate(rel)} named in ${modelRel} does not exist`);
    take(rel, safeRelative(shard), bytes);
  }

  // The source's own manifest, if any: its facts are kept, its paths rewritten to the flat layout.
  let sourceManifest: ModelManifest = {};
  let manifestRel: string | undefined;
  for (const candidate of [...new Set([MANIFEST_FILE, path.posix.join(modelDir, MANIFEST_FILE)])]) {
    const bytes = await source.read(candidate);
    if (!bytes) continue;
    try {
      sourceManifest = JSON.parse(bytes.toString('utf8')) as ModelManifest;
    } catch (cause) {
      throw new FetchError(`${source.locate(candidate)} is not valid JSON`, { cause });
    }
    manifestRel = candidate;
    break;
  }

  let labelsOut: string | undefined;
  if (options.labels) {
    const { bytes, from } = await readStandalone(options.labels, options.s3);
    labelsOut = options.labels.toLowerCase().endsWith('.json') ? 'labels.json' : 'labels.txt';
    contents.set(labelsOut, bytes);
    files.push({ path: labelsOut, from, bytes: bytes.length, sha256: sha256(bytes), checksum: 'not pinned' });
  } else if (entry?.labels === 'imagenet-1000') {
    const bytes = Buffer.from(
      `${JSON.stringify(Array.from({ length: 1000 }, (_, i) => IMAGENET_CLASSES[i]))}\n`,
    );
    labelsOut = 'labels.json';
    contents.set(labelsOut, bytes);
    files.push({
      path: labelsOut,
      from: '@tensorflow-models/mobilenet imagenet_classes',
      bytes: bytes.length,
      sha256: sha256(bytes),
      checksum: 'generated',
    });
  } else {
    const manifestDir = manifestRel ? path.posix.dirname(manifestRel) : '.';
    const candidates =
      entry && typeof entry.labels === 'object'
        ? [entry.labels.path]
        : sourceManifest.labels
          ? [path.posix.join(manifestDir, sourceManifest.labels)]
          : [
              ...new Set(
                ['.', modelDir].flatMap((dir) => LABEL_CANDIDATES.map((name) => path.posix.join(dir, name))),
              ),
            ];
    for (const candidate of candidates) {
      const rel = safeRelative(candidate);
      const bytes = await source.read(rel);
      if (!bytes) continue;
      labelsOut = rel.endsWith('.json') ? 'labels.json' : 'labels.txt';
      take(rel, labelsOut, bytes);
      break;
    }
    if (!labelsOut) {
      if (entry || sourceManifest.labels)
        throw new FetchError(
          `label file not found in ${source.location} (looked for ${candidates.join(', ')})`,
        );
      log(
        `no label file in ${source.location}: classes will be named by the classifier (ImageNet names for 1000 classes, else "class N"); give --labels to name them`,
      );
    }
  }

  const { model: _model, labels: _labels, ...facts } = sourceManifest;
  const name =
    options.name ??
    entry?.manifest.name ??
    sourceManifest.name ??
    (fromFile ? path.basename(fromFile, '.tflite') : path.basename(source.location.replace(/\/+$/, '')));
  const manifest: ModelManifest = {
    ...facts,
    ...entry?.manifest,
    name,
    model: modelOut,
    ...(labelsOut ? { labels: labelsOut } : {}),
  };

  const provenance = {
    source: source.location,
    catalogModel: entryName ?? null,
    fetchedAt: new Date().toISOString(),
    files,
  };
  const verified = await writeModelFolder(out, contents, manifest, provenance, options.verify);
  await pins.save();
  log(`verified ${verified}`);
  return { out, name, catalogModel: entryName, files, verified };
}

/**
 * Copies a trained model folder (base model, head, labels, manifest) as it is, after checking it is whole
 * (trained-model-source.ts). The training provenance is kept, with a `fetched` record of this copy: every
 * file's source and SHA-256, which the next copy of this folder checks.
 */
async function fetchTrained(
  source: ModelSource,
  manifestBytes: Buffer,
  out: string,
  options: FetchModelOptions,
  log: (line: string) => void,
): Promise<FetchModelResult> {
  if (options.labels !== undefined) {
    throw new CliError(
      `--labels does not apply to ${source.location}: a trained model answers with its own labels`,
    );
  }
  if (options.model !== undefined) {
    throw new CliError(
      `--model does not apply to ${source.location}: a trained model carries its base model`,
    );
  }
  const trained = await readTrainedModel(source, manifestBytes);
  const head = trained.manifest.head;
  log(`a trained model: ${head?.labels} labels, base model ${trained.manifest.model}`);
  const name = options.name ?? trained.manifest.name ?? path.basename(source.location.replace(/\/+$/, ''));
  const files: FetchedFile[] = trained.files.map((f) => ({
    path: f.path,
    from: source.locate(f.path),
    bytes: f.bytes.length,
    sha256: sha256(f.bytes),
    checksum: f.checksum,
  }));
  const { fetched: _earlier, ...record } = trained.provenance ?? {};
  const provenance = {
    ...record,
    fetched: { source: source.location, fetchedAt: new Date().toISOString(), files },
  };
  const verified = await writeModelFolder(
    out,
    new Map(trained.files.map((f) => [f.path, f.bytes])),
    { ...trained.manifest, name },
    provenance,
    options.verify,
  );
  log(`verified ${verified}`);
  return { out, name, files, verified };
}

const PARTIAL = '.partial-';

/**
 * Writes the folder beside `out` (a hidden sibling), loads it, and only then swaps it into place: `out`
 * is never half-written, and a model that does not load replaces nothing. A sibling left by a killed run
 * is removed by the next run for the same folder (it would otherwise ship in the model layer's folder).
 */
async function writeModelFolder(
  out: string,
  contents: ReadonlyMap<string, Buffer>,
  manifest: ModelManifest,
  provenance: Record<string, unknown>,
  verify: FetchModelOptions['verify'] = verifyLoads,
): Promise<string> {
  const parent = path.dirname(out);
  const stem = `.${path.basename(out)}${PARTIAL}`;
  await mkdir(parent, { recursive: true });
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(stem)) await rm(path.join(parent, entry), { recursive: true, force: true });
  }
  const partial = path.join(parent, `${stem}${process.pid}`);
  const replaced = path.join(parent, `${stem}replaced-${process.pid}`);
  try {
    for (const [rel, bytes] of contents) {
      const file = path.join(partial, ...rel.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, bytes);
    }
    await writeFile(path.join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(path.join(partial, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);

    let verified: string;
    try {
      verified = await verify(partial);
    } catch (cause) {
      const message = `the fetched model does not load: ${(cause as Error).message}`;
      // The classifier's own code (MODEL_INVALID, LABELS_MISMATCH, ...) says more than FETCH_FAILED.
      if (cause instanceof ModelError) throw new ModelError(cause.code, message, { cause });
      throw new FetchError(message, { cause });
    }
    const replacing = existsSync(out);
    if (replacing) await rename(out, replaced);
    await rename(partial, out);
    if (replacing) await rm(replaced, { recursive: true, force: true });
    return verified;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

export interface FetchModelIo {
  env: NodeJS.ProcessEnv;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Where a download's progress bar goes (a terminal), if anywhere. */
  progress?: { write(chunk: string): unknown; isTTY?: boolean };
  overrides?: Partial<Pick<FetchModelOptions, 's3' | 'fetch' | 'verify' | 'catalog' | 'pinsFile'>>;
}

const defaultIo: FetchModelIo = {
  env: process.env,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
  progress: process.stderr,
};

interface FetchModelCommandIo extends CommandIo {
  overrides?: FetchModelIo['overrides'];
  /** Where the download's progress bar goes, when that is a terminal (else stderr). */
  progress?: FetchModelIo['progress'];
}

export const fetchModelCommand = defineCommand({
  name: 'fetch-model',
  description: `Writes an image classifier to a folder that the classifier, the CLI and the Lambda model layer
(/opt/model) load: a TensorFlow Lite file or a TensorFlow.js model.json with its weight shards, the
labels, lambdavision.json (the model's facts) and provenance.json (where every file came from, with its
SHA-256). A folder \`lambdavision train\` wrote is copied as it is (base model, head, labels, manifest),
after checking every file its manifest names and every SHA-256 it records. Then loads it once to prove it
works. Nothing is written to --out unless that succeeds. Prints the folder on stdout; downloads show a
progress bar on a terminal.

Where the model comes from (the first that applies): --from (also env LAMBDAVISION_MODEL_SOURCE; a copy
of a catalog model is recognised by its checksums), else --model, a catalog model downloaded from its URL.`,
  options: {
    from: {
      type: 'string',
      value: 'file.tflite | dir | s3://bucket/prefix/',
      description:
        'a .tflite file, or a folder or S3 prefix with model.json (or tfjs/model.json) and the shards it names, or a folder with one .tflite (or tflite/*.tflite); labels beside it (labels.json, labels.txt, ...); or a model folder `lambdavision train` wrote',
      defaultText: '$LAMBDAVISION_MODEL_SOURCE',
    },
    model: {
      type: 'string',
      value: 'name',
      description: 'a catalog model, downloaded from its URL (see --list)',
      defaultText: DEFAULT_CATALOG_MODEL,
    },
    out: {
      type: 'string',
      value: 'dir',
      description: 'where to write',
      defaultText: `${DEFAULT_MODEL_FOLDER} in the project`,
    },
    labels: {
      type: 'string',
      value: 'file | s3://...',
      description: 'the label file, when the source has none (JSON array or one name per line)',
    },
    name: {
      type: 'string',
      value: 'name',
      description: "the model's name in lambdavision.json and every result",
    },
    force: { type: 'boolean', description: 'replace --out when it exists' },
    'record-checksums': {
      type: 'boolean',
      description:
        'accept downloads that have no pinned SHA-256, trusting this first fetch, and record their hashes for the next ones (see --pins)',
    },
    pins: {
      type: 'string',
      value: 'file',
      description: 'recorded hashes',
      defaultText: '.lambdavision/model-pins.json in the project',
    },
    list: { type: 'boolean', description: 'list the catalog models and exit' },
  },
  exitCodes: { 1: 'fetch, checksum or load failure' },
  async run({ values }, io: FetchModelCommandIo) {
    const line = (stream: { write(chunk: string): unknown }) => (text: string) => stream.write(`${text}\n`);
    const stdout = line(io.stdout);
    const stderr = line(io.stderr);
    const catalog = io.overrides?.catalog ?? MODEL_CATALOG;
    if (values.list) {
      for (const [name, entry] of Object.entries(catalog)) {
        const where = entry.url
          ? `${entry.url}/${entry.modelPath} (${isPinned(entry) ? 'SHA-256 pinned' : 'unpinned alternative: needs --record-checksums'})`
          : '(no public download: --from a copy, recognised by its pinned SHA-256)';
        stdout(
          `${name}${name === DEFAULT_CATALOG_MODEL ? ' (default)' : ''}\n  ${entry.description}\n  ${where}`,
        );
      }
      return 0;
    }
    const from = values.from ?? (io.env.LAMBDAVISION_MODEL_SOURCE?.trim() || undefined);
    try {
      const result = await fetchModel({
        from,
        model: values.model,
        out: values.out ?? DEFAULT_MODEL_DIR,
        labels: values.labels,
        name: values.name,
        force: values.force,
        recordChecksums: values['record-checksums'],
        pinsFile: values.pins ?? io.overrides?.pinsFile,
        catalog,
        s3: io.overrides?.s3,
        fetch: io.overrides?.fetch,
        verify: io.overrides?.verify,
        log: stderr,
        progress: io.progress ?? io.stderr,
      });
      stdout(result.out);
      return 0;
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (error instanceof LambdaVisionError) {
        stderr(`fetch-model: ${error.code}: ${error.message}`);
        return 1;
      }
      stderr(`fetch-model: ${(error as Error).stack ?? String(error)}`);
      return 1;
    }
  },
});

/** The command on an argument list, with line-based output: exit status out (only the entry exits). */
export async function runFetchModel(argv: readonly string[], io: FetchModelIo = defaultIo): Promise<number> {
  const lines = (emit: (line: string) => void) => ({
    write: (chunk: string) => {
      for (const line of chunk.replace(/\n$/, '').split('\n')) emit(line);
    },
  });
  return runCommand(fetchModelCommand, argv, {
    env: io.env,
    stdout: lines(io.stdout),
    stderr: lines(io.stderr),
    overrides: io.overrides,
    progress: io.progress,
  } as FetchModelCommandIo);
}
