import * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from './decoder';

export type ResizeMode = 'center-crop' | 'stretch';

/** How 0..255 pixel values become model inputs. */
export type Normalization =
  | { kind: 'range'; min: number; max: number }
  | { kind: 'mean-std'; mean: readonly [number, number, number]; std: readonly [number, number, number] };

export interface PreprocessSpec {
  height: number;
  width: number;
  resize: ResizeMode;
  normalization: Normalization;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function cropRect(image: { width: number; height: number }, mode: ResizeMode): Rect {
  if (mode === 'stretch') return { x: 0, y: 0, width: image.width, height: image.height };
  const side = Math.min(image.width, image.height);
  return {
    x: Math.floor((image.width - side) / 2),
    y: Math.floor((image.height - side) / 2),
    width: side,
    height: side,
  };
}

/**
 * Copies the crop out of the RGBA bitmap as RGB floats, compositing transparency onto white (what a
 * viewer shows) and averaging `factor`×`factor` boxes. The box pre-shrink matters for big photos: bilinear
 * resizing samples only 4 source pixels per output pixel, so a 12 MP image would alias badly and would
 * need a ~100 MB float tensor; averaging first keeps the tensor small and the result smooth.
 */
export function cropToRgb(
  image: RgbaImage,
  rect: Rect,
  factor: number,
): { data: Float32Array; width: number; height: number } {
  const width = Math.max(1, Math.floor(rect.width / factor));
  const height = Math.max(1, Math.floor(rect.height / factor));
  const out = new Float32Array(width * height * 3);
  const src = image.data;
  const rowStride = image.width * 4;
  const area = factor * factor;
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = (rect.y + oy * factor + dy) * rowStride + (rect.x + ox * factor) * 4;
        for (let dx = 0; dx < factor; dx++, i += 4) {
          const a = src[i + 3] as number;
          // out = c·α + 255·(1−α), with α = a/255
          const white = 255 - a;
          r += ((src[i] as number) * a) / 255 + white;
          g += ((src[i + 1] as number) * a) / 255 + white;
          b += ((src[i + 2] as number) * a) / 255 + white;
        }
      }
      const o = (oy * width + ox) * 3;
      out[o] = r / area;
      out[o + 1] = g / area;
      out[o + 2] = b / area;
    }
  }
  return { data: out, width, height };
}

/** Integer box factor that leaves the crop at least twice the model's input size. */
export function shrinkFactor(rect: Rect, spec: { height: number; width: number }): number {
  return Math.max(1, Math.floor(Math.min(rect.width / spec.width, rect.height / spec.height) / 2));
}

/** The model input for one image: float32 [1, H, W, 3]. Call inside `tf.tidy`. */
export function toInputTensor(image: RgbaImage, spec: PreprocessSpec): tf.Tensor4D {
  const rect = cropRect(image, spec.resize);
  const rgb = cropToRgb(image, rect, shrinkFactor(rect, spec));
  const pixels = tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'float32');
  const resized = tf.image.resizeBilinear(pixels, [spec.height, spec.width]);
  const n = spec.normalization;
  const normalized =
    n.kind === 'range'
      ? // x ∈ [0, 255] ↦ min + x·(max − min)/255
        tf.add(tf.mul(resized, (n.max - n.min) / 255), n.min)
      : // torchvision convention: (x/255 − mean) / std, per channel
        tf.div(tf.sub(tf.div(resized, 255), tf.tensor1d([...n.mean])), tf.tensor1d([...n.std]));
  return tf.expandDims(normalized, 0) as tf.Tensor4D;
}
