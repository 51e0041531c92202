import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export const SCENARIOS = ['small', 'medium', 'large', 'png'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioImage {
  name: ScenarioName;
  /** What the report calls it, e.g. "JPEG 12.0 MP". */
  label: string;
  file: string;
  source: string;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  bytes: number;
}

interface Spec {
  name: ScenarioName;
  source: string;
  megapixels: number;
  format: 'jpeg' | 'png';
}

/** Sample photos the scenarios prefer; any JPEG in the folder will do when they are absent. */
const PREFERRED = { small: 'dog.jpg', medium: 'kite.jpg', large: 'kite.jpg', png: 'kite.jpg' } as const;

function pickSource(photosDir: string, preferred: string): string {
  if (existsSync(path.join(photosDir, preferred))) return preferred;
  const jpegs = readdirSync(photosDir).filter((f) => /\.jpe?g$/i.test(f));
  const largest = jpegs.sort(
    (a, b) => statSync(path.join(photosDir, b)).size - statSync(path.join(photosDir, a)).size,
  )[0];
  if (!largest) throw new Error(`no JPEG photo in ${photosDir} to build the scenario images from`);
  return largest;
}

/**
 * The four scenario images, resized from sample photos with sharp (Lanczos, JPEG quality 90, no metadata)
 * and cached in the system temp folder under a hash of source and recipe, so reruns reuse the same bytes.
 * `--quick` makes the "large" image 3 MP instead of 12 MP.
 */
export async function prepareScenarioImages(photosDir: string, quick: boolean): Promise<ScenarioImage[]> {
  const cacheDir = path.join(os.tmpdir(), 'lambdavision-bench-inputs');
  mkdirSync(cacheDir, { recursive: true });
  const specs: Spec[] = [
    { name: 'small', source: pickSource(photosDir, PREFERRED.small), megapixels: 0.3, format: 'jpeg' },
    { name: 'medium', source: pickSource(photosDir, PREFERRED.medium), megapixels: 2, format: 'jpeg' },
    {
      name: 'large',
      source: pickSource(photosDir, PREFERRED.large),
      megapixels: quick ? 3 : 12,
      format: 'jpeg',
    },
    { name: 'png', source: pickSource(photosDir, PREFERRED.png), megapixels: 2, format: 'png' },
  ];
  const images: ScenarioImage[] = [];
  for (const spec of specs) {
    const input = readFileSync(path.join(photosDir, spec.source));
    const meta = await sharp(input).metadata();
    const aspect = meta.autoOrient.width / meta.autoOrient.height;
    const width = Math.round(Math.sqrt(spec.megapixels * 1e6 * aspect));
    const height = Math.round(width / aspect);
    const key = createHash('sha256')
      .update(input)
      .update(JSON.stringify({ width, height, format: spec.format, sharp: sharp.versions.sharp, recipe: 1 }))
      .digest('hex')
      .slice(0, 16);
    const file = path.join(
      cacheDir,
      `${spec.name}-${width}x${height}-${key}.${spec.format === 'png' ? 'png' : 'jpg'}`,
    );
    if (!existsSync(file)) {
      const resized = sharp(input).autoOrient().resize(width, height, { fit: 'fill' });
      const bytes =
        spec.format === 'png'
          ? await resized.png().toBuffer()
          : await resized.jpeg({ quality: 90 }).toBuffer();
      // Written aside and renamed, so an interrupted run never leaves a truncated image in the cache.
      writeFileSync(`${file}.${process.pid}.tmp`, bytes);
      renameSync(`${file}.${process.pid}.tmp`, file);
    }
    const mp = ((width * height) / 1e6).toFixed(1);
    images.push({
      name: spec.name,
      label: `${spec.format === 'png' ? 'PNG' : 'JPEG'} ${mp} MP`,
      file,
      source: spec.source,
      format: spec.format,
      width,
      height,
      bytes: statSync(file).size,
    });
  }
  return images;
}
