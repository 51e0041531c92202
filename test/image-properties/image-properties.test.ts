import { expect } from 'chai';
import { imageProperties, imageQuality, type RgbaPixels } from '../../function/image-properties/index';

/** An RGBA image painted pixel by pixel. */
function paint(
  width: number,
  height: number,
  color: (x: number, y: number) => [number, number, number],
): RgbaPixels {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...color(x, y), 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

describe('image properties', () => {
  it('finds one colour in a plain image, named as CSS names it', () => {
    const { dominantColors, quality } = imageProperties(paint(64, 48, () => [255, 0, 0]));
    expect(dominantColors).to.have.length(1);
    expect(dominantColors[0]).to.deep.include({
      red: 255,
      green: 0,
      blue: 0,
      hex: '#ff0000',
      cssColor: 'red',
      simplifiedColor: 'red',
      pixelPercent: 100,
    });
    expect(quality.contrast).to.equal(0);
    expect(quality.sharpness).to.equal(0);
  });

  it('splits a two-colour image by its pixel shares', () => {
    // The left quarter navy, the rest white.
    const image = paint(100, 40, (x) => (x < 25 ? [0, 0, 128] : [255, 255, 255]));
    const colors = imageProperties(image).dominantColors;
    expect(colors.map((c) => [c.cssColor, c.pixelPercent])).to.deep.equal([
      ['white', 75],
      ['navy', 25],
    ]);
  });

  it('measures brightness from black to white', () => {
    expect(imageQuality(paint(8, 8, () => [0, 0, 0])).brightness).to.equal(0);
    expect(imageQuality(paint(8, 8, () => [255, 255, 255])).brightness).to.equal(100);
    expect(imageQuality(paint(8, 8, () => [128, 128, 128])).brightness).to.be.closeTo(50, 0.5);
  });

  it('gives a checkerboard full contrast and more sharpness than a smooth gradient', () => {
    const board = imageQuality(paint(64, 64, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0])));
    expect(board.contrast).to.equal(100);
    const gradient = imageQuality(paint(64, 64, (x) => [x * 4, x * 4, x * 4]));
    expect(board.sharpness).to.be.greaterThan(99);
    expect(gradient.sharpness).to.be.lessThan(5);
    expect(gradient.contrast).to.be.within(40, 60);
  });

  it('shrinks a large image before looking at it, and keeps the shares', () => {
    const image = paint(2000, 1000, (x) => (x < 1000 ? [0, 128, 0] : [255, 255, 0]));
    const colors = imageProperties(image, { maxDominantColors: 2 }).dominantColors;
    expect(colors.map((c) => c.cssColor).sort()).to.deep.equal(['green', 'yellow']);
    for (const c of colors) expect(c.pixelPercent).to.be.closeTo(50, 1);
  });

  it('refuses a bad colour count and a buffer too short for its size', () => {
    expect(() =>
      imageProperties(
        paint(4, 4, () => [0, 0, 0]),
        { maxDominantColors: 13 },
      ),
    ).to.throw(RangeError);
    expect(() => imageProperties({ width: 10, height: 10, data: new Uint8Array(12) })).to.throw(RangeError);
  });
});
