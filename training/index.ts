/**
 * Training wing: labelled images in, a model folder the classifier core loads out, plus evaluation of any
 * model on labelled images. A top-level wing because training never runs inside Lambda: nothing here is
 * bundled into the function, and it may use worker threads, the disk cache and the S3 SDK freely.
 */
export { type Dataset, type DatasetKind, type LabelledImage, readDataset } from './dataset';
export { TrainingError } from './errors';
export { EVALUATION_FILES, type EvaluateOptions, evaluateModel } from './evaluate';
export { type Extraction, extractEmbeddings, type SkippedImage, type WorkerStarter } from './extract';
export { HEAD_DEFAULTS, trainDense, trainLinearProbe } from './head-training';
export { computeMetrics, type Metrics, type ScoredSample } from './metrics';
export { seededRandom, shuffled } from './random';
export type { EvaluationReport } from './report';
export { stratifiedSplit } from './split';
export { HEAD_WEIGHTS_FILE, PROVENANCE_FILE, type TrainOptions, type TrainResult, trainModel } from './train';
