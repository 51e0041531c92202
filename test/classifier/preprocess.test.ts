import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import type { FittedImage } from '../../function/classifier/decoder';
import {
  affineOf,
  cropRect,
  cropToRgb,
  shrinkFactor,
  toInputTensor,
} from '../../function/classifier/preprocess';

const rgba = (width: number, height: number, pixel: [number, number, number, number]) => ({
  width,
  height,
  data: new Uint8Array(width * height * 4).map((_, i) => pixel[i % 4] as number),
});

describe('preprocess', () => {
  it('cuts the largest central square, or keeps the whole image when stretching', () => {
    expect(cropRect({ width: 300, height: 200 }, 'center-crop')).to.deep.equal({
      x: 50,
      y: 0,
      width: 200,
      height: 200,
    });
    expect(cropRect({ width: 200, height: 301 }, 'center-crop')).to.deep.equal({
      x: 0,
      y: 50,
      width: 200,
      height: 200,
    });
    expect(cropRect({ width: 300, height: 200 }, 'stretch')).to.deep.equal({
      x: 0,
      y: 0,
      width: 300,
      height: 200,
    });
  });

  it('composites transparent pixels onto white', () => {
    const transparentRed = rgba(2, 2, [255, 0, 0, 0]);
    const halfRed = rgba(2, 2, [255, 0, 0, 128]);
    expect(
      Array.from(cropToRgb(transparentRed, { x: 0, y: 0, width: 2, height: 2 }, 1).data.slice(0, 3)),
    ).to.deep.equal([255, 255, 255]);
    const [r, g, b] = cropToRgb(halfRed, { x: 0, y: 0, width: 2, height: 2 }, 1).data;
    expect(r).to.be.closeTo(255, 0.01);
    expect(g).to.be.closeTo(127, 0.01);
    expect(b).to.be.closeTo(127, 0.01);
  });

  it('averages boxes when pre-shrinking large crops', () => {
    // Prepare: a 4×2 image, left column pair black, right pair white
    const image = { width: 4, height: 2, data: new Uint8Array(32) };
    for (let i = 0; i < 8; i++) {
      const x = i % 4;
      image.data.set(x < 2 ? [0, 0, 0, 255] : [255, 255, 255, 255], i * 4);
    }
    const out = cropToRgb(image, { x: 0, y: 0, width: 4, height: 2 }, 2);
    expect([out.width, out.height]).to.deep.equal([2, 1]);
    expect(Array.from(out.data)).to.deep.equal([0, 0, 0, 255, 255, 255]);
  });

  it('keeps at least twice the model size when choosing the shrink factor', () => {
    expect(shrinkFactor({ x: 0, y: 0, width: 4000, height: 3000 }, { width: 224, height: 224 })).to.equal(6);
    expect(shrinkFactor({ x: 0, y: 0, width: 400, height: 400 }, { width: 224, height: 224 })).to.equal(1);
  });

  it('maps 0..255 onto the input range and emits [1, H, W, 3]', () => {
    const black = rgba(10, 10, [0, 0, 0, 255]);
    const white = rgba(10, 10, [255, 255, 255, 255]);
    const spec = {
      height: 4,
      width: 4,
      resize: 'center-crop' as const,
      normalization: { kind: 'range' as const, min: -1, max: 1 },
    };
    const [low, high] = tf.tidy(() => [
      toInputTensor(black, spec).dataSync(),
      toInputTensor(white, spec).dataSync(),
    ]);
    expect(tf.tidy(() => toInputTensor(black, spec).shape)).to.deep.equal([1, 4, 4, 3]);
    expect(Math.max(...(low as Float32Array))).to.be.closeTo(-1, 1e-6);
    expect(Math.min(...(high as Float32Array))).to.be.closeTo(1, 1e-6);
  });

  it('applies torchvision mean/std normalisation per channel', () => {
    const grey = rgba(4, 4, [255, 0, 255, 255]);
    const spec = {
      height: 2,
      width: 2,
      resize: 'stretch' as const,
      normalization: {
        kind: 'mean-std' as const,
        mean: [0.5, 0.5, 0.5] as const,
        std: [0.5, 0.25, 1] as const,
      },
    };
    const values = tf.tidy(() => Array.from(toInputTensor(grey, spec).dataSync().slice(0, 3)));
    expect(values[0]).to.be.closeTo(1, 1e-6);
    expect(values[1]).to.be.closeTo(-2, 1e-6);
    expect(values[2]).to.be.closeTo(0.5, 1e-6);
  });

  it('only normalises a model input the decoder made, pixel by pixel in R, G, B order', () => {
    // Prepare: a 2×1 input, pixels (0, 51, 255) and (255, 102, 0)
    const image: FittedImage = {
      width: 2,
      height: 1,
      channels: 3,
      data: new Uint8Array([0, 51, 255, 255, 102, 0]),
      original: { width: 4000, height: 3000 },
      decoder: 'sharp',
    };
    const range = {
      height: 1,
      width: 2,
      resize: 'center-crop' as const,
      normalization: { kind: 'range' as const, min: -1, max: 1 },
    };
    const meanStd = {
      ...range,
      normalization: { kind: 'mean-std' as const, mean: [0.5, 0.2, 0] as const, std: [0.5, 0.2, 1] as const },
    };

    // Act
    const [shape, ranged, standardised] = tf.tidy(() => [
      toInputTensor(image, range).shape,
      Array.from(toInputTensor(image, range).dataSync()),
      Array.from(toInputTensor(image, meanStd).dataSync()),
    ]);

    // Assess
    expect(shape).to.deep.equal([1, 1, 2, 3]);
    const expectedRange = [-1, -0.6, 1, 1, -0.2, -1];
    // (x/255 − mean) / std
    const expectedStd = [-1, 0, 1, 1, 1, 0];
    for (const [i, v] of (ranged as number[]).entries())
      expect(v, `value ${i}`).to.be.closeTo(expectedRange[i] as number, 1e-6);
    for (const [i, v] of (standardised as number[]).entries())
      expect(v, `value ${i}`).to.be.closeTo(expectedStd[i] as number, 1e-6);
  });

  it('refuses a decoder input of another size than the model’s', () => {
    const image: FittedImage = {
      width: 2,
      height: 2,
      channels: 3,
      data: new Uint8Array(12),
      original: { width: 2, height: 2 },
      decoder: 'sharp',
    };
    const spec = {
      height: 4,
      width: 4,
      resize: 'center-crop' as const,
      normalization: { kind: 'range' as const, min: -1, max: 1 },
    };
    expect(() => tf.tidy(() => toInputTensor(image, spec))).to.throw(/2×2 input for a 4×4 model/);
  });

  it('writes both normalisations as one multiply-add per channel', () => {
    expect(affineOf({ kind: 'range', min: 0, max: 1 })).to.deep.equal({
      scale: [1 / 255, 1 / 255, 1 / 255],
      offset: [0, 0, 0],
    });
    const { scale, offset } = affineOf({
      kind: 'mean-std',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    // x = 255 ↦ (1 − mean) / std
    expect(255 * (scale[0] as number) + (offset[0] as number)).to.be.closeTo((1 - 0.485) / 0.229, 1e-9);
    expect(0 * (scale[2] as number) + (offset[2] as number)).to.be.closeTo(-0.406 / 0.225, 1e-9);
  });
});
