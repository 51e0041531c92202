import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_EXTENSIONS } from '../../function/classifier/index';

/**
 * Extensions picked up when walking a directory come from the classifier's table of formats; files named
 * on the command line are always taken.
 */
export { IMAGE_EXTENSIONS };

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) out.push(full);
  }
}

/**
 * Expands the command line's paths into image files, directories recursively, in a stable order. Names
 * that do not exist are kept, to be reported as failed files.
 */
export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    // A name that is not there is read like any other file: it fails alone (ENOENT), the batch goes on.
    if (!info) files.push(p);
    else if (info.isDirectory()) await walk(p, files);
    else files.push(p);
  }
  return files;
}
