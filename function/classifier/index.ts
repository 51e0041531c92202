export { BACKENDS, type BackendChoice, type BackendName, selectBackend } from './backend';
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
export { decodeImage, type RgbaImage } from './decode';
export { DECODERS, type DecoderName } from './decode-sharp';
export {
  codesIn,
  ERROR_CODES,
  ErrorCode,
  type ErrorKind,
  type ErrorScope,
  errorKind,
  ImageError,
  isErrorCode,
  isImageError,
  LambdaVisionError,
  ModelError,
} from './errors';
export { formatOriginalLine } from './format';
export { DEFAULT_LIMITS, type ImageHeader, type ImageLimits, probeImage } from './image-probe';
export { LABEL_FILES, loadLabels } from './labels';
export { MANIFEST_FILE, type ModelManifest } from './manifest';
export { fileSystemHandler, locateModel } from './model-files';
export { moduleRequire } from './module-require';
export { type PreprocessSpec, type ResizeMode, toInputTensor } from './preprocess';
export { useSingleKernelRelu6 } from './single-kernel-relu6';
export { type Prediction, topK } from './top-k';
