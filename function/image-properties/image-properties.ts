import { type Colord, colord, extend } from 'colord';
import namesPlugin from 'colord/plugins/names';
import { applyPaletteSync, buildPaletteSync, utils } from 'image-q';

// colord's names plugin extends colord itself: done on first use, so importing this wing changes nothing.
let namesReady = false;
function withNames(): void {
  if (namesReady) return;
  extend([namesPlugin]);
  namesReady = true;
}

/** Pixels as the classifier core decodes them: RGBA, row-major, 4 bytes a pixel. */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface DominantColor {
  red: number;
  green: number;
  blue: number;
  /** `#rrggbb`. */
  hex: string;
  /** The nearest CSS colour name (colord's names plugin: CSS Color Module Level 4 keywords). */
  cssColor: string;
  /** A coarse colour family: red, orange, yellow, green, blue, purple, pink, brown, black, white, grey. */
  simplifiedColor: string;
  /** 0..100: share of the image's pixels nearest to this colour. */
  pixelPercent: number;
}

export interface ImageQuality {
  /** 0..100: mean luma (Rec. 709). */
  brightness: number;
  /** 0..100: how much fine detail (variance of the Laplacian of the luma). */
  sharpness: number;
  /** 0..100: spread of the luma (its standard deviation against the largest possible, 127.5). */
  contrast: number;
}

export interface ImageProperties {
  quality: ImageQuality;
  dominantColors: DominantColor[];
}

export interface ImagePropertyOptions {
  /** How many dominant colours (1..12, default 10, as Rekognition). */
  maxDominantColors?: number;
}

export const MAX_DOMINANT_COLORS = 12;
// Properties are computed on copies at most this many pixels on their longer side: the global statistics
// and the palette barely move below it. Colours take the smaller copy: quantising costs per pixel.
const WORKING_SIDE = 256;
const COLOR_SIDE = 64;

/** Box-averages the image down so its longer side is at most `side` pixels (never enlarges). */
export function shrink(image: RgbaPixels, side = WORKING_SIDE): RgbaPixels {
  const scale = Math.max(image.width, image.height) / side;
  if (scale <= 1) return image;
  const width = Math.max(1, Math.round(image.width / scale));
  const height = Math.max(1, Math.round(image.height / scale));
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let i = (yy * image.width + x0) * 4, end = (yy * image.width + x1) * 4; i < end; i += 4) {
          r += image.data[i] as number;
          g += image.data[i + 1] as number;
          b += image.data[i + 2] as number;
          a += image.data[i + 3] as number;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
      out[o + 3] = Math.round(a / n);
    }
  }
  return { width, height, data: out };
}

// Rec. 709 luma from gamma-encoded RGB: what "brightness" means to most image tools.
const luma = (data: Uint8Array, i: number): number =>
  0.2126 * (data[i] as number) + 0.7152 * (data[i + 1] as number) + 0.0722 * (data[i + 2] as number);

const round2 = (value: number): number => Math.round(value * 100) / 100;

export function imageQuality(image: RgbaPixels): ImageQuality {
  const { width, height, data } = image;
  const n = width * height;
  const y = new Float64Array(n);
  let sum = 0;
  for (let p = 0; p < n; p++) {
    y[p] = luma(data, p * 4);
    sum += y[p] as number;
  }
  const mean = sum / n;
  let variance = 0;
  for (let p = 0; p < n; p++) variance += ((y[p] as number) - mean) ** 2;
  variance /= n;
  // Variance of the 4-neighbour Laplacian, a standard focus measure; 1 - exp(-v/k) maps it onto 0..100
  // (k = 300 puts a typical sharp photo at this working size around 80-95, a blurred one under 30).
  let lapSum = 0;
  let lapSq = 0;
  let count = 0;
  for (let r = 1; r < height - 1; r++) {
    for (let c = 1; c < width - 1; c++) {
      const p = r * width + c;
      const lap =
        (y[p - 1] as number) +
        (y[p + 1] as number) +
        (y[p - width] as number) +
        (y[p + width] as number) -
        4 * (y[p] as number);
      lapSum += lap;
      lapSq += lap * lap;
      count++;
    }
  }
  const lapVariance = count > 0 ? lapSq / count - (lapSum / count) ** 2 : 0;
  return {
    brightness: round2((mean / 255) * 100),
    sharpness: round2(100 * (1 - Math.exp(-lapVariance / 300))),
    contrast: round2(Math.min(100, (Math.sqrt(variance) / 127.5) * 100)),
  };
}

/** A coarse family from hue, saturation and lightness (the thresholds are a judgement call, kept here only). */
export function simplifiedColor(color: Colord): string {
  const { h, s, l } = color.toHsl();
  if (l < 12) return 'black';
  if (l > 90 && s < 30) return 'white';
  if (s < 12) return 'grey';
  if (h < 15 || h >= 345) return l < 35 && s < 60 ? 'brown' : 'red';
  if (h < 40) return l < 45 ? 'brown' : 'orange';
  if (h < 65) return l < 35 ? 'brown' : 'yellow';
  if (h < 170) return 'green';
  if (h < 255) return 'blue';
  if (h < 290) return 'purple';
  return 'pink';
}

/**
 * Dominant colours by image-q's RGBQuant palette (a colour histogram merged by distance), each with its
 * share of the pixels. (image-q's Wu quantiser took seconds here: it fills a 4-D histogram with alpha.)
 */
export function dominantColors(image: RgbaPixels, maxColors = 10): DominantColor[] {
  withNames();
  const container = utils.PointContainer.fromUint8Array(image.data, image.width, image.height);
  const palette = buildPaletteSync([container], {
    colors: maxColors,
    paletteQuantization: 'rgbquant',
    colorDistanceFormula: 'euclidean-bt709-noalpha',
  });
  const mapped = applyPaletteSync(container, palette, {
    imageQuantization: 'nearest',
    colorDistanceFormula: 'euclidean-bt709-noalpha',
  });
  const counts = new Map<number, number>();
  for (const point of mapped.getPointArray()) counts.set(point.uint32, (counts.get(point.uint32) ?? 0) + 1);
  const total = image.width * image.height;
  return palette
    .getPointContainer()
    .getPointArray()
    .map((point) => {
      const color = colord({ r: point.r, g: point.g, b: point.b });
      return {
        red: point.r,
        green: point.g,
        blue: point.b,
        hex: color.toHex(),
        cssColor: color.toName({ closest: true }) ?? 'unknown',
        simplifiedColor: simplifiedColor(color),
        pixelPercent: round2(((counts.get(point.uint32) ?? 0) / total) * 100),
      };
    })
    .filter((c) => c.pixelPercent > 0)
    .sort((a, b) => b.pixelPercent - a.pixelPercent)
    .slice(0, maxColors);
}

/** Quality and dominant colours of decoded pixels (transparency is ignored: the core composites on white). */
export function imageProperties(image: RgbaPixels, options: ImagePropertyOptions = {}): ImageProperties {
  const maxColors = options.maxDominantColors ?? 10;
  if (!Number.isInteger(maxColors) || maxColors < 1 || maxColors > MAX_DOMINANT_COLORS) {
    throw new RangeError(
      `maxDominantColors must be a whole number from 1 to ${MAX_DOMINANT_COLORS}, got ${maxColors}`,
    );
  }
  if (image.width < 1 || image.height < 1 || image.data.length < image.width * image.height * 4) {
    throw new RangeError(`not an RGBA image: ${image.width}x${image.height} with ${image.data.length} bytes`);
  }
  const small = shrink(image, WORKING_SIDE);
  return {
    quality: imageQuality(small),
    dominantColors: dominantColors(shrink(small, COLOR_SIDE), maxColors),
  };
}
