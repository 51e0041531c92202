// Image properties from decoded pixels: dominant colours, brightness, sharpness, contrast. Knows nothing of
// AWS; no side effects on import.
export {
  type DominantColor,
  dominantColors,
  type ImageProperties,
  type ImagePropertyOptions,
  type ImageQuality,
  imageProperties,
  imageQuality,
  MAX_DOMINANT_COLORS,
  type RgbaPixels,
  simplifiedColor,
} from './image-properties';
