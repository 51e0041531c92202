import { type FittedImage, isFitted, type RgbaImage } from './decoder';
import { floatTensor } from './float-tensor';
import { tf } from './tfjs-core';

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

/**
 * Both normalisations as one multiply-add per channel, x ∈ [0, 255] ↦ x·scale[c] + offset[c]:
 * range: min + x·(max − min)/255; mean-std (torchvision): (x/255 − mean[c]) / std[c].
 */
export function affineOf(n: Normalization): { scale: number[]; offset: number[] } {
  if (n.kind === 'range') {
    const scale = (n.max - n.min) / 255;
    return { scale: [scale, scale, scale], offset: [n.min, n.min, n.min] };
  }
  return {
    scale: n.std.map((s) => 1 / (255 * s)),
    offset: n.mean.map((m, c) => -m / (n.std[c] as number)),
  };
}

/** The decoder's RGB input, normalised in one pass: float32 [1, H, W, 3]. */
function fittedToTensor(image: FittedImage, spec: PreprocessSpec): tf.Tensor4D {
  if (image.width !== spec.width || image.height !== spec.height) {
    throw new Error(
      `the decoder made a ${image.width}×${image.height} input for a ${spec.width}×${spec.height} model`,
    );
  }
  const { scale, offset } = affineOf(spec.normalization);
  const [s0, s1, s2] = scale as [number, number, number];
  const [o0, o1, o2] = offset as [number, number, number];
  const src = image.data;
  return floatTensor([1, spec.height, spec.width, 3], (out) => {
    for (let i = 0; i < out.length; i += 3) {
      out[i] = (src[i] as number) * s0 + o0;
      out[i + 1] = (src[i + 1] as number) * s1 + o1;
      out[i + 2] = (src[i + 2] as number) * s2 + o2;
    }
  }) as tf.Tensor4D;
}

/**
 * The model input for one image: float32 [1, H, W, 3]. Call inside `tf.tidy`. A decoder that made the
 * input itself (`FittedImage`) leaves only the normalisation; a whole image is cropped, box-shrunk and
 * resized bilinearly here first.
 */
export function toInputTensor(image: RgbaImage | FittedImage, spec: PreprocessSpec): tf.Tensor4D {
  if (isFitted(image)) return fittedToTensor(image, spec);
  const rect = cropRect(image, spec.resize);
  const rgb = cropToRgb(image, rect, shrinkFactor(rect, spec));
  const pixels = tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'float32');
  const resized = tf.image.resizeBilinear(pixels, [spec.height, spec.width]);
  const { scale, offset } = affineOf(spec.normalization);
  return tf.expandDims(tf.add(tf.mul(resized, tf.tensor1d(scale)), tf.tensor1d(offset)), 0) as tf.Tensor4D;
}
