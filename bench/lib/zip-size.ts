import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, e.g. nodejs/node_modules/jimp/package.json. */
  name: string;
  file: string;
}

// ZIP format overheads (APPNOTE 4.3): local file header 30 bytes + name, central directory entry
// 46 bytes + name, end of central directory 22 bytes.
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;

/**
 * The size of a ZIP archive of these files as `zip -r` (deflate level 6) writes it: each file deflated,
 * or stored when deflating does not help, plus the headers. Computed rather than written, so no archive
 * tool is needed and nothing lands on disk.
 */
export function zipSize(entries: readonly ZipEntry[], level = 6): number {
  let total = END_RECORD;
  for (const entry of entries) {
    const data = readFileSync(entry.file);
    const deflated = data.length ? deflateRawSync(data, { level }).length : 0;
    const nameBytes = Buffer.byteLength(entry.name);
    total += LOCAL_HEADER + CENTRAL_HEADER + 2 * nameBytes + Math.min(deflated, data.length);
  }
  return total;
}
