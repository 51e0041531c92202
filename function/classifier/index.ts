export { BACKENDS, type BackendChoice, type BackendName, selectBackend } from './backend';
export {
  type ClassificationResult,
  type Classifier,
  type ClassifierOptions,
  type ClassifyOptions,
  type EmbedOptions,
  loadClassifier,
  MAX_TOP_K,
  type ModelInfo,
  type Timings,
} from './classifier';
export { DECODERS, type DecoderName } from './decode-sharp';
export { ErrorCode, ImageError, isImageError, LambdaVisionError, ModelError } from './errors';
export { formatOriginalLine } from './format';
export { attachHead, headWeightCount } from './head';
export { DEFAULT_LIMITS, type ImageHeader, type ImageLimits, probeImage } from './image-probe';
export { LABEL_FILES } from './labels';
export { type HeadManifest, MANIFEST_FILE, type ModelManifest, manifestSchema } from './manifest';
export { type LocatedModel, locateModel } from './model-files';
export type { Predictor } from './predictor';
export type { ResizeMode } from './preprocess';
export type { Prediction } from './top-k';
