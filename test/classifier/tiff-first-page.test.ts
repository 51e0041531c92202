import { expect } from 'chai';
import { firstPageOnly, inspectTiff } from '../../function/classifier/formats/tiff';
import { DEFAULT_LIMITS } from '../../function/classifier/image-probe';
import { buildHostileCorpus } from '../support/hostile-corpus';
import { encodeTiff, gradient, tiffPage } from '../support/image-writers';

const { cases } = await buildHostileCorpus();

/** The "next page" pointer and the tags of a little-endian TIFF's first directory. */
function firstDirectory(tiff: Uint8Array) {
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const ifd = view.getUint32(4, true);
  const count = view.getUint16(ifd, true);
  const tags = Array.from({ length: count }, (_, i) => view.getUint16(ifd + 2 + i * 12, true));
  return { tags, next: view.getUint32(ifd + 2 + count * 12, true) };
}

// Statically, what the decoder is given: a regression here would hang a decode, not fail it.
describe('the TIFF handed to utif2', () => {
  it('ends after the first page, even when the page chain loops back', () => {
    const looping = cases.find((c) => c.name === 'page-loop.tif')?.bytes as Uint8Array;
    expect(firstDirectory(looping).next).to.not.equal(0);

    const given = firstPageOnly(looping, inspectTiff(looping, DEFAULT_LIMITS));

    expect(firstDirectory(given).next).to.equal(0);
    expect(given.length).to.equal(looping.length);
  });

  it('makes tags that lead into other directories (EXIF, GPS, SubIFDs, maker notes) inert', () => {
    const page = tiffPage(gradient(8, 8));
    const tiff = encodeTiff([
      {
        ...page,
        overrides: {
          330: { type: 4, values: [8] },
          34665: { type: 4, values: [8] },
          34853: { type: 4, values: [8] },
        },
      },
    ]);

    const given = firstPageOnly(tiff, inspectTiff(tiff, DEFAULT_LIMITS));

    const { tags } = firstDirectory(given);
    expect(tags.filter((t) => [330, 34665, 34853].includes(t))).to.deep.equal([]);
    expect(tags).to.include.members([256, 257, 258, 273, 279]);
  });
});
