import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../../training/random';
import { rgbaPng } from '../../support/image-writers';

export const COLOURS = {
  red: [220, 40, 40],
  green: [40, 200, 60],
  blue: [40, 60, 220],
  yellow: [230, 220, 40],
} as const;
export type ColourName = keyof typeof COLOURS;

/** A 32×32 PNG of one colour with seeded noise, so no two images of a label are the same bytes. */
export function colourPng(colour: ColourName, seed: number, size = 32): Buffer {
  const random = seededRandom(seed);
  const data = new Uint8Array(size * size * 4);
  const [r, g, b] = COLOURS[colour];
  for (let p = 0; p < size * size; p++) {
    const noise = () => Math.round((random() - 0.5) * 40);
    data.set([r + noise(), g + noise(), b + noise(), 255], p * 4);
  }
  return rgbaPng({ width: size, height: size, data });
}

/**
 * Writes a labelled folder (one subfolder per colour) under `dir`; `counts` says how many images per
 * colour. Seeds differ per image and per `seedOffset`, so a second set shares no image with the first.
 */
export function writeColourSet(
  dir: string,
  counts: Partial<Record<ColourName, number>>,
  seedOffset = 0,
): string {
  for (const [colour, n] of Object.entries(counts) as [ColourName, number][]) {
    mkdirSync(path.join(dir, colour), { recursive: true });
    for (let i = 0; i < n; i++) {
      writeFileSync(
        path.join(dir, colour, `${colour}-${i}.png`),
        colourPng(colour, seedOffset + i * 7919 + colour.length),
      );
    }
  }
  return dir;
}
