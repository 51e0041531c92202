import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * SHA-256 recorded the first time a file without a pinned checksum was downloaded (`--record-checksums`),
 * by URL, like ssh's known_hosts: later fetches of the same URL must match. Kept in
 * .lambdavision/model-pins.json, outside version control; pinning for everyone means copying the hashes
 * into scripts/lib/model-catalog.ts.
 */
export class ChecksumPins {
  readonly file: string;
  #pins: Record<string, string> = {};
  #dirty = false;

  private constructor(file: string) {
    this.file = file;
  }

  static async load(file: string): Promise<ChecksumPins> {
    const pins = new ChecksumPins(file);
    if (existsSync(file)) {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [url, hash] of Object.entries(parsed))
          if (typeof hash === 'string') pins.#pins[url] = hash;
      }
    }
    return pins;
  }

  get(url: string): string | undefined {
    return this.#pins[url];
  }

  record(url: string, hash: string): void {
    this.#pins[url] = hash;
    this.#dirty = true;
  }

  async save(): Promise<void> {
    if (!this.#dirty) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const sorted = Object.fromEntries(Object.entries(this.#pins).sort(([a], [b]) => a.localeCompare(b)));
    await writeFile(this.file, `${JSON.stringify(sorted, null, 2)}\n`);
    this.#dirty = false;
  }
}
