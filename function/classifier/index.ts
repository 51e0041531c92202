export { BACKENDS, type BackendChoice, type BackendName, selectBackend } from './backend';
export {
  type ClassificationResult,
  type Classifier,
  type ClassifierOptions,
  type ClassifyOptions,
  type EmbedOptions,
  loadClassifier,
  type ModelInfo,
  resolveDecoder,
  type Timings,
} from './classifier';
export { decodeWithJimp } from './decode-jimp';
export { DECODERS, type DecoderChoice, type DecoderName, type RgbaImage } from './decoder';
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
export { IMAGE_EXTENSIONS } from './formats/index';
export { attachHead, headWeightCount } from './head';
export { DEFAULT_LIMITS, type ImageHeader, type ImageLimits, probeImage } from './image-probe';
export { LABEL_FILES, loadLabels } from './labels';
export { type HeadManifest, MANIFEST_FILE, type ModelManifest, manifestSchema } from './manifest';
export { fileSystemHandler, type LocatedModel, locateModel } from './model-files';
export { moduleRequire } from './module-require';
export {
  checkNumber,
  checkOption,
  describeRule,
  MAX_TOP_K,
  type NumberRule,
  type NumericOption,
  OPTION_RULES,
} from './options';
export type { Predictor } from './predictor';
export { type PreprocessSpec, type ResizeMode, toInputTensor } from './preprocess';
export { formatOriginalLine } from './score-line';
export { useSingleKernelRelu6 } from './single-kernel-relu6';
export { type Prediction, topK } from './top-k';
