import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { FetchError, reasonOf } from './fetch-error';

/**
 * Where a model's files come from: a folder, an S3 prefix or an HTTPS folder. Paths are POSIX and relative
 * to the source's root; `read` answers undefined for a file that is not there and throws for anything
 * else (permissions, network), so a missing optional file (labels) is told apart from a broken source.
 */
export interface ModelSource {
  /** For messages and provenance.json: the folder, s3:// prefix or URL. */
  readonly location: string;
  /** Where one file is read from. */
  locate(rel: string): string;
  read(rel: string): Promise<Buffer | undefined>;
  /** File names in a folder of the source, where the source can list (a local folder); else absent. */
  list?(rel: string): Promise<string[]>;
}

/** Refuses paths that would leave the model folder (`../x`, absolute paths). */
export function safeRelative(rel: string): string {
  const normal = path.posix.normalize(rel.replace(/\\/g, '/'));
  if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal)) {
    throw new FetchError(`file path "${rel}" leaves the model folder`);
  }
  return normal;
}

export class DirectorySource implements ModelSource {
  readonly location: string;
  constructor(dir: string) {
    this.location = path.resolve(dir);
  }
  locate(rel: string): string {
    return path.join(this.location, ...safeRelative(rel).split('/'));
  }
  async read(rel: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.locate(rel));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new FetchError(`cannot read ${this.locate(rel)}: ${reasonOf(error)}`, { cause: error });
    }
  }
  async list(rel: string): Promise<string[]> {
    return (await readdir(this.locate(rel)).catch(() => [] as string[])).sort();
  }
}

/** `s3://bucket/prefix/` read with GetObject only (no ListBucket needed). */
export class S3Source implements ModelSource {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;

  constructor(uri: string, client?: S3Client) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match?.[1]) throw new FetchError(`"${uri}" is not an s3://bucket/prefix URI`);
    this.bucket = match[1];
    const prefix = match[2] ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.location = `s3://${this.bucket}/${this.prefix}`;
    // followRegionRedirects: the bucket may live in another region than the one configured.
    this.#client =
      client ??
      new S3Client({
        followRegionRedirects: true,
        region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      });
  }
  locate(rel: string): string {
    return `s3://${this.bucket}/${this.prefix}${safeRelative(rel)}`;
  }
  async read(rel: string): Promise<Buffer | undefined> {
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}${safeRelative(rel)}` }),
      );
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw new FetchError(`cannot read ${this.locate(rel)}: ${reasonOf(error)}`, { cause: error });
    }
  }
}

/** Bytes received so far of a download of `total` bytes (its Content-Length). */
export type DownloadProgress = (received: number, total: number, url: string) => void;

/** An HTTP(S) folder, e.g. a TF Hub model: `<url>/<file><query>`. */
export class HttpSource implements ModelSource {
  readonly location: string;
  readonly #query: string;
  readonly #fetch: typeof fetch;
  readonly #progress: DownloadProgress | undefined;

  constructor(url: string, query = '', fetchImpl: typeof fetch = fetch, progress?: DownloadProgress) {
    this.location = url.replace(/\/+$/, '');
    this.#query = query;
    this.#fetch = fetchImpl;
    this.#progress = progress;
  }
  locate(rel: string): string {
    return `${this.location}/${safeRelative(rel)}${this.#query}`;
  }
  async read(rel: string): Promise<Buffer | undefined> {
    const url = this.locate(rel);
    try {
      const response = await this.#fetch(url, { redirect: 'follow' });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new FetchError(`GET ${url} answered ${response.status} ${response.statusText}`);
      const total = Number(response.headers.get('content-length'));
      if (!this.#progress || !response.body || !(total > 0)) return Buffer.from(await response.arrayBuffer());
      const chunks: Uint8Array[] = [];
      let received = 0;
      for await (const chunk of response.body) {
        chunks.push(chunk);
        received += chunk.length;
        this.#progress(Math.min(received, total), total, url);
      }
      return Buffer.concat(chunks);
    } catch (error) {
      if (error instanceof FetchError) throw error;
      throw new FetchError(`cannot download ${url}: ${reasonOf(error)}`, { cause: error });
    }
  }
}

interface WeightsGroup {
  paths?: unknown;
}

/** The shard paths a model.json names, relative to the model.json. */
export function shardPaths(modelJson: Buffer, where: string): string[] {
  let json: { weightsManifest?: WeightsGroup[]; modelTopology?: unknown };
  try {
    json = JSON.parse(modelJson.toString('utf8'));
  } catch (cause) {
    throw new FetchError(`${where} is not valid JSON`, { cause });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new FetchError(`${where} has no modelTopology or weightsManifest: not a TensorFlow.js model.json`);
  }
  return json.weightsManifest.flatMap((group) => (Array.isArray(group.paths) ? group.paths.map(String) : []));
}

/** A --from / LAMBDAVISION_MODEL_SOURCE value as a source. */
export function sourceFor(spec: string, options: { s3?: S3Client } = {}): ModelSource {
  if (spec.startsWith('s3://')) return new S3Source(spec, options.s3);
  if (/^https?:\/\//.test(spec)) return new HttpSource(spec);
  return new DirectorySource(spec);
}
