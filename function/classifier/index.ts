export { BACKENDS, type BackendChoice, type BackendName } from './backend';
export {
  type ClassificationResult,
  type Classifier,
  type ClassifierOptions,
  type ClassifyOptions,
  loadClassifier,
  MAX_TOP_K,
  type ModelInfo,
  type Timings,
} from './classifier';
export { DECODERS, type DecoderChoice, type DecoderName } from './decoder';
export { ErrorCode, ImageError, isImageError, LambdaVisionError, ModelError } from './errors';
export { IMAGE_EXTENSIONS } from './formats/index';
export { DEFAULT_LIMITS, type ImageHeader, type ImageLimits, probeImage } from './image-probe';
export { LABEL_FILES } from './labels';
export { MANIFEST_FILE, type ModelManifest } from './manifest';
export type { ResizeMode } from './preprocess';
export { formatOriginalLine } from './score-line';
export type { Prediction } from './top-k';
