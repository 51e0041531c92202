import bmp, { msBmp } from '@jimp/js-bmp';
import gif from '@jimp/js-gif';
import jpeg from '@jimp/js-jpeg';
import png from '@jimp/js-png';
import tiff from '@jimp/js-tiff';

/**
 * jimp's default codecs (pure JavaScript: jpeg-js, pngjs, omggif, bmp-ts, utif2), each made once.
 * decode-jimp.ts imports this module on the first image jimp decodes. The Lambda build writes it to a file
 * of its own, jimp-codecs.cjs beside entry.js (scripts/lib/bundle-options.ts): 620 KB that a function
 * decoding with sharp never needs, and which took about 20 ms of every cold start to read and parse inside
 * entry.js.
 */
export function jimpCodecs(): unknown[] {
  return [bmp, msBmp, gif, jpeg, png, tiff].map((make) => (make as () => unknown)());
}
