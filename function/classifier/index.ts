export { BACKENDS, type BackendChoice, type BackendName } from './backend';
export {
  type ClassificationResult,
  type Classifier,
  type ClassifierOptions,
  type ClassifyOptions,
  loadClassifier,
  type ModelInfo,
  type Timings,
} from './classifier';
export { DECODERS, type DecoderName } from './decode-sharp';
export { ErrorCode, ImageError, isImageError, LambdaVisionError, ModelError } from './errors';
export { formatOriginalLine } from './format';
export { DEFAULT_LIMITS, type ImageHeader, type ImageLimits, probeImage } from './image-probe';
export { LABEL_FILES } from './labels';
export { MANIFEST_FILE, type ModelManifest } from './manifest';
export {
  checkNumber,
  checkOption,
  describeRule,
  MAX_TOP_K,
  type NumberRule,
  type NumericOption,
  OPTION_RULES,
} from './options';
export type { ResizeMode } from './preprocess';
export type { Prediction } from './top-k';
