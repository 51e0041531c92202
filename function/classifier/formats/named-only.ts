import type { ImageFormatDescriptor } from './descriptor';
import { ascii } from './reader';

/**
 * Things people upload that are not images we decode, recognised by their first bytes only to say what
 * they are. No walk, no decoder: they are refused as unsupported, by name.
 */
const namedOnly = (id: string, name: string, matches: (b: Uint8Array) => boolean): ImageFormatDescriptor => ({
  id,
  name,
  matches,
  extensions: [],
  decoders: {},
});

export const NAMED_ONLY_FORMATS: readonly ImageFormatDescriptor[] = [
  namedOnly('pdf', 'PDF', (b) => ascii(b, 0, 5) === '%PDF-'),
  namedOnly('svg', 'SVG', (b) => /<svg[\s>]/i.test(ascii(b, 0, 1024))),
  namedOnly('heif', 'HEIC/AVIF', (b) => ascii(b, 4, 8) === 'ftyp'),
  namedOnly('zip', 'ZIP', (b) => ascii(b, 0, 4) === 'PK\u0003\u0004'),
  namedOnly('bigtiff', 'BigTIFF', (b) => ascii(b, 0, 4) === 'II+\u0000' || ascii(b, 0, 4) === 'MM\u0000+'),
];

/** image-size's names (for formats it sizes but we do not decode) of formats people know by another name. */
export const IMAGE_SIZE_TYPE_NAMES: Readonly<Record<string, string>> = {
  'jxl-stream': 'JPEG XL',
  jxl: 'JPEG XL',
  jp2: 'JPEG 2000',
  j2c: 'JPEG 2000',
  heif: 'HEIF',
  icns: 'Apple icon (ICNS)',
  ico: 'Windows icon (ICO)',
  cur: 'Windows cursor (CUR)',
  psd: 'Photoshop (PSD)',
  pnm: 'Netpbm (PNM)',
};
