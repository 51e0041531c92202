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
import path from 'node:path';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { projectPath } from './project';

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
const PREFERRED = { small: 'dog.jpg' } as const;

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
 * A mosaic of the sample photos at their own resolution (rows of whole-height crops, no resizing), so a
 * large scenario image carries real camera detail everywhere, as a 12 MP phone photo does: an upscaled
 * small photo would be smooth and decode faster than any real one.
 */
async function mosaic(photosDir: string, width: number, height: number): Promise<Buffer> {
  const files = readdirSync(photosDir)
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no JPEG photo in ${photosDir} to build the scenario images from`);
  const photos = await Promise.all(
    files.map(async (f) => {
      const { data, info } = await sharp(path.join(photosDir, f))
        .autoOrient()
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height };
    }),
  );
  const rowHeight = Math.min(...photos.map((p) => p.height));
  const tiles: OverlayOptions[] = [];
  let next = 0;
  for (let top = 0; top < height; top += rowHeight) {
    const h = Math.min(rowHeight, height - top);
    for (let left = 0; left < width; ) {
      const photo = photos[next++ % photos.length] as (typeof photos)[number];
      const w = Math.min(photo.width, width - left);
      const tile = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
        .extract({ left: 0, top: Math.floor((photo.height - h) / 2), width: w, height: h })
        .raw()
        .toBuffer();
      tiles.push({ input: tile, raw: { width: w, height: h, channels: 3 }, left, top });
      left += w;
    }
  }
  return sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .composite(tiles)
    .raw()
    .toBuffer();
}

/** 4:3, like phone cameras. */
const sizeFor = (megapixels: number): { width: number; height: number } => {
  const width = Math.round(Math.sqrt((megapixels * 1e6 * 4) / 3));
  return { width, height: Math.round((width * 3) / 4) };
};

/**
 * The four scenario images, cached in the project's `.lambdavision/bench-inputs` (ignored by git, beside the
 * default model; not the temp folder, which every run should leave as it found it) under a hash of sources
 * and recipe, so reruns reuse the same bytes: "small" is a sample photo reduced to 0.3 MP (Lanczos); "medium", "large" and "png"
 * are regions of a mosaic of the sample photos at their native resolution (2 MP, 12 MP, 2 MP), JPEG
 * quality 90 or PNG, no metadata. `--quick` makes the "large" image 3 MP instead of 12 MP.
 */
export async function prepareScenarioImages(photosDir: string, quick: boolean): Promise<ScenarioImage[]> {
  const cacheDir = projectPath('.lambdavision', 'bench-inputs');
  mkdirSync(cacheDir, { recursive: true });
  const specs: Spec[] = [
    { name: 'small', source: pickSource(photosDir, PREFERRED.small), megapixels: 0.3, format: 'jpeg' },
    { name: 'medium', source: 'mosaic', megapixels: 2, format: 'jpeg' },
    { name: 'large', source: 'mosaic', megapixels: quick ? 3 : 12, format: 'jpeg' },
    { name: 'png', source: 'mosaic', megapixels: 2, format: 'png' },
  ];
  const sources = readdirSync(photosDir)
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort();
  const sourcesHash = createHash('sha256');
  for (const f of sources) sourcesHash.update(f).update(readFileSync(path.join(photosDir, f)));
  const sourcesKey = sourcesHash.digest('hex');
  const full = sizeFor(12);
  let mosaicPixels: Buffer | undefined;
  const images: ScenarioImage[] = [];
  for (const spec of specs) {
    const fromMosaic = spec.source === 'mosaic';
    let width: number;
    let height: number;
    let input: Buffer | undefined;
    if (fromMosaic) {
      ({ width, height } = sizeFor(spec.megapixels));
    } else {
      input = readFileSync(path.join(photosDir, spec.source));
      const meta = await sharp(input).metadata();
      const aspect = meta.autoOrient.width / meta.autoOrient.height;
      width = Math.round(Math.sqrt(spec.megapixels * 1e6 * aspect));
      height = Math.round(width / aspect);
    }
    const key = createHash('sha256')
      .update(fromMosaic ? sourcesKey : (input as Buffer))
      .update(JSON.stringify({ width, height, format: spec.format, sharp: sharp.versions.sharp, recipe: 2 }))
      .digest('hex')
      .slice(0, 16);
    const file = path.join(
      cacheDir,
      `${spec.name}-${width}x${height}-${key}.${spec.format === 'png' ? 'png' : 'jpg'}`,
    );
    if (!existsSync(file)) {
      let image: Sharp;
      if (fromMosaic) {
        mosaicPixels ??= await mosaic(photosDir, full.width, full.height);
        image = sharp(mosaicPixels, { raw: { width: full.width, height: full.height, channels: 3 } }).extract(
          {
            left: 0,
            top: 0,
            width,
            height,
          },
        );
      } else {
        image = sharp(input).autoOrient().resize(width, height, { fit: 'fill' });
      }
      const bytes =
        spec.format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 90 }).toBuffer();
      // Written aside and renamed, so an interrupted run never leaves a truncated image in the cache.
      writeFileSync(`${file}.${process.pid}.tmp`, bytes);
      renameSync(`${file}.${process.pid}.tmp`, file);
    }
    const mp = ((width * height) / 1e6).toFixed(1);
    images.push({
      name: spec.name,
      label: `${spec.format === 'png' ? 'PNG' : 'JPEG'} ${mp} MP${fromMosaic ? ' (mosaic of photos at full resolution)' : ''}`,
      file,
      source: fromMosaic ? `mosaic of ${sources.join(', ')}` : spec.source,
      format: spec.format,
      width,
      height,
      bytes: statSync(file).size,
    });
  }
  return images;
}
