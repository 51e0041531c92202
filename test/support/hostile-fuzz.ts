import {
  encodeBmp,
  encodeJpeg,
  encodeTiff,
  exifOrientationSegment,
  gifOf,
  gradient,
  grayPng,
  insertAfterSoi,
  interlacedPng,
  palettePng,
  quadrants,
  rgb16Png,
  rgbaPng,
  storedForOrientation,
  stripedTiffPage,
  tiffPage,
  tiledTiffPage,
} from './image-writers';

/**
 * Seeded mutation fuzzing of valid JPEG, PNG, GIF, BMP and TIFF files. Case `i` of seed `s` depends only
 * on (s, i) and the seed files, so any case can be rebuilt alone from the two numbers a failure prints.
 */

export interface SeedFile {
  name: string;
  bytes: Uint8Array;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Small valid files in every format and layout the decoders handle: the material the mutations work on. */
export async function fuzzSeeds(): Promise<SeedFile[]> {
  const photo = gradient(48, 32);
  const blocks = quadrants(48, 32);
  const jpeg = await encodeJpeg(photo, 85);
  return [
    { name: 'baseline.jpg', bytes: jpeg },
    {
      name: 'exif-6.jpg',
      bytes: insertAfterSoi(await encodeJpeg(storedForOrientation(photo, 6), 85), exifOrientationSegment(6)),
    },
    { name: 'rgba.png', bytes: rgbaPng(photo) },
    { name: 'rgb16.png', bytes: rgb16Png(photo) },
    { name: 'gray.png', bytes: grayPng(photo) },
    { name: 'palette.png', bytes: palettePng(blocks) },
    { name: 'interlaced.png', bytes: interlacedPng(photo) },
    { name: 'still.gif', bytes: gifOf([blocks]) },
    { name: 'animated.gif', bytes: gifOf([blocks, storedForOrientation(blocks, 3)]) },
    { name: 'rgb24.bmp', bytes: encodeBmp(photo) },
    { name: 'rgb32.bmp', bytes: encodeBmp(photo, { bits: 32, topDown: true }) },
    { name: 'rgb16.bmp', bytes: encodeBmp(photo, { bits: 16 }) },
    { name: 'palette8.bmp', bytes: encodeBmp(blocks, { bits: 8 }) },
    { name: 'palette4.bmp', bytes: encodeBmp(blocks, { bits: 4 }) },
    { name: 'rgb.tif', bytes: encodeTiff([tiffPage(photo)]) },
    { name: 'rgb16.tif', bytes: encodeTiff([tiffPage(photo, { bits: 16 })]) },
    { name: 'multipage.tif', bytes: encodeTiff([tiffPage(blocks), tiffPage(photo, { alpha: true })]) },
    { name: 'lzw.tif', bytes: encodeTiff([await stripedTiffPage(photo, 'lzw')]) },
    { name: 'deflate.tif', bytes: encodeTiff([await stripedTiffPage(photo, 'deflate')]) },
    { name: 'packbits.tif', bytes: encodeTiff([await stripedTiffPage(blocks, 'packbits')]) },
    { name: 'jpeg.tif', bytes: encodeTiff([await stripedTiffPage(photo, 'jpeg', 16)]) },
    { name: 'tiled.tif', bytes: encodeTiff([tiledTiffPage(photo, 16)]) },
  ];
}

const INTERESTING: ReadonlyArray<[number, 1 | 2 | 4]> = [
  [0x00, 1],
  [0xff, 1],
  [0x7f, 1],
  [0x80, 1],
  [0x0000, 2],
  [0xffff, 2],
  [0x7fff, 2],
  [0x8000, 2],
  [0x0001, 2],
  [0xffffffff, 4],
  [0x7fffffff, 4],
  [0x80000000, 4],
  [0x00010000, 4],
];

type Mutation = (bytes: Buffer, rng: () => number) => [Buffer, string];

/** A position, biased towards the header where the fields that size buffers and loops live. */
function position(length: number, rng: () => number): number {
  const span = rng() < 0.6 ? Math.min(length, 256) : length;
  return Math.floor(rng() * span);
}

const MUTATIONS: Mutation[] = [
  (b, rng) => {
    const n = 1 + Math.floor(rng() * 8);
    for (let i = 0; i < n; i++) {
      const at = position(b.length, rng);
      b[at] = (b[at] as number) ^ (1 << Math.floor(rng() * 8));
    }
    return [b, `flip ${n} bits`];
  },
  (b, rng) => {
    const n = 1 + Math.floor(rng() * 16);
    for (let i = 0; i < n; i++) b[position(b.length, rng)] = Math.floor(rng() * 256);
    return [b, `set ${n} bytes`];
  },
  (b, rng) => {
    const [value, size] = INTERESTING[Math.floor(rng() * INTERESTING.length)] as [number, 1 | 2 | 4];
    const at = Math.min(position(b.length, rng), b.length - size);
    if (at < 0) return [b, 'noop'];
    const bigEndian = rng() < 0.5;
    if (size === 1) b.writeUInt8(value, at);
    else if (size === 2) (bigEndian ? b.writeUInt16BE : b.writeUInt16LE).call(b, value, at);
    else (bigEndian ? b.writeUInt32BE : b.writeUInt32LE).call(b, value, at);
    return [b, `write 0x${value.toString(16)} at ${at}`];
  },
  (b, rng) => {
    const length = 1 + Math.floor(rng() * (b.length - 1));
    return [b.subarray(0, length), `truncate to ${length}`];
  },
  (b, rng) => {
    const at = position(b.length, rng);
    const junk = Buffer.from(
      Array.from({ length: 1 + Math.floor(rng() * 64) }, () => Math.floor(rng() * 256)),
    );
    return [Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]), `insert ${junk.length} bytes at ${at}`];
  },
  (b, rng) => {
    const at = position(b.length, rng);
    const n = 1 + Math.floor(rng() * 64);
    return [Buffer.concat([b.subarray(0, at), b.subarray(at + n)]), `delete ${n} bytes at ${at}`];
  },
  (b, rng) => {
    const from = Math.floor(rng() * b.length);
    const to = position(b.length, rng);
    const n = Math.min(1 + Math.floor(rng() * 128), b.length - from, b.length - to);
    b.copy(b, to, from, from + n);
    return [b, `copy ${n} bytes from ${from} to ${to}`];
  },
  (b, rng) => {
    const junk = Buffer.from(
      Array.from({ length: 1 + Math.floor(rng() * 256) }, () => Math.floor(rng() * 256)),
    );
    return [Buffer.concat([b, junk]), `append ${junk.length} bytes`];
  },
];

export interface FuzzCase {
  /** `<seed file>#<index>`. */
  name: string;
  index: number;
  bytes: Uint8Array;
  mutations: string[];
}

/** Case `index` of a run with `seed`: a seed file with 1–4 mutations. */
export function fuzzCase(seeds: SeedFile[], seed: number, index: number): FuzzCase {
  // Mix (seed, index) so neighbouring cases do not share random streams.
  const rng = mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
  const file = seeds[Math.floor(rng() * seeds.length)] as SeedFile;
  let bytes: Buffer = Buffer.from(file.bytes);
  const mutations: string[] = [];
  const count = 1 + Math.floor(rng() * 4);
  for (let i = 0; i < count && bytes.length > 1; i++) {
    const [next, what] = (MUTATIONS[Math.floor(rng() * MUTATIONS.length)] as Mutation)(bytes, rng);
    bytes = next;
    mutations.push(what);
  }
  return { name: `${file.name}#${index}`, index, bytes, mutations };
}
