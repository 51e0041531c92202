import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Jimp } from 'jimp';

/**
 * Real labelled images available offline, from Debian packages (never committed to the project):
 * Fashion-MNIST (Zalando product photos, 28×28 grey, 10 classes; apt package dataset-fashion-mnist) and
 * scikit-learn's handwritten digits (8×8 grey, 10 classes; apt package python3-sklearn).
 */
export interface LabelledSet {
  name: string;
  /** Why it is absent, or undefined when present. */
  missing?: string;
  /** Writes `perLabel.train` + `perLabel.test` images per label as PNG folders under `dir`. */
  write(dir: string, perLabel: { train: number; test: number }): Promise<{ train: string; test: string }>;
}

interface GreyImages {
  width: number;
  height: number;
  /** 0..255 pixels, one image after another. */
  pixels: Uint8Array;
  labels: number[];
  names: string[];
}

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_NAMES = [
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle-boot',
];
const DIGITS_CSV = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';

/** The IDX files of (Fashion-)MNIST: a big-endian header, then bytes. */
function readFashion(): GreyImages {
  const images = gunzipSync(readFileSync(path.join(FASHION_DIR, 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(path.join(FASHION_DIR, 't10k-labels-idx1-ubyte.gz')));
  const count = images.readUInt32BE(4);
  return {
    height: images.readUInt32BE(8),
    width: images.readUInt32BE(12),
    pixels: images.subarray(16),
    labels: [...labels.subarray(8, 8 + count)],
    names: FASHION_NAMES,
  };
}

/** digits.csv: 64 values 0..16 then the digit, one image a row. */
function readDigits(): GreyImages {
  const rows = gunzipSync(readFileSync(DIGITS_CSV)).toString('utf8').trim().split('\n');
  const pixels = new Uint8Array(rows.length * 64);
  const labels: number[] = [];
  rows.forEach((row, i) => {
    const values = row.split(',').map(Number);
    for (let j = 0; j < 64; j++) pixels[i * 64 + j] = Math.round(((values[j] ?? 0) * 255) / 16);
    labels.push(values[64] ?? 0);
  });
  return { width: 8, height: 8, pixels, labels, names: [...'0123456789'].map((d) => `digit-${d}`) };
}

async function writeSet(images: GreyImages, dir: string, perLabel: { train: number; test: number }) {
  const { width, height } = images;
  const taken = new Map<number, number>();
  for (const [i, label] of images.labels.entries()) {
    const n = taken.get(label) ?? 0;
    if (n >= perLabel.train + perLabel.test) continue;
    taken.set(label, n + 1);
    const side = n < perLabel.train ? 'train' : 'test';
    const rgba = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      const v = images.pixels[i * width * height + p] ?? 0;
      rgba.set([v, v, v, 255], p * 4);
    }
    const folder = path.join(dir, side, images.names[label] ?? String(label));
    await mkdir(folder, { recursive: true });
    const png = await Jimp.fromBitmap({ width, height, data: rgba }).getBuffer('image/png');
    await writeFile(path.join(folder, `${i}.png`), png);
  }
  return { train: path.join(dir, 'train'), test: path.join(dir, 'test') };
}

export const LABELLED_SETS: readonly LabelledSet[] = [
  {
    name: 'Fashion-MNIST',
    missing: existsSync(FASHION_DIR) ? undefined : 'install the Debian package dataset-fashion-mnist',
    write: (dir, perLabel) => writeSet(readFashion(), dir, perLabel),
  },
  {
    name: 'scikit-learn digits',
    missing: existsSync(DIGITS_CSV) ? undefined : 'install the Debian package python3-sklearn',
    write: (dir, perLabel) => writeSet(readDigits(), dir, perLabel),
  },
];
