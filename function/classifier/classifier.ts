import path from 'node:path';
import { type BackendChoice, type BackendName, selectBackend } from './backend';
import { decodeWithJimp } from './decode-jimp';
import { loadSharpDecoder } from './decode-sharp';
import {
  DECODERS,
  type DecodedImage,
  type Decoder,
  type DecoderChoice,
  type DecoderName,
  type FittedImage,
  type InputDecoder,
  isFitted,
} from './decoder';
import { ErrorCode, LambdaVisionError, ModelError } from './errors';
import { attachHead } from './head';
import { DEFAULT_LIMITS, type ImageFormat, type ImageLimits, inspectImage } from './image-probe';
import { loadLabels } from './labels';
import { type LocatedModel, locateModel, type ModelFormat } from './model-files';
import { loadPredictor } from './model-formats';
import { checkNumber, checkOption, OPTION_RULES } from './options';
import type { ModelFacts, Predictor } from './predictor';
import { type Normalization, type PreprocessSpec, type ResizeMode, toInputTensor } from './preprocess';
import { tf } from './tfjs-core';
import { detectOutputKind, type OutputKind, type Prediction, topK } from './top-k';

export interface ClassifierOptions {
  /** Folder holding model.json (or tfjs/model.json) or a SavedModel, with optional lambdavision.json. */
  modelDir: string;
  backend?: BackendChoice;
  limits?: Partial<ImageLimits>;
  /** Overrides the manifest's resize mode. */
  resize?: ResizeMode;
  /**
   * `jimp` (default): pure JavaScript, nothing native to ship. `sharp`: libvips with JPEG shrink-on-load,
   * several times faster on large photos (see bench/REPORT.md); needs the sharp package at run time.
   * `auto`: sharp when it loads, else jimp. The decoder used is reported in every result.
   */
  decoder?: DecoderChoice;
  /**
   * Runs one inference on a blank image while loading (default), so the first real image does not pay
   * for packing the weights and compiling the kernels. Without it the first image pays that instead, once,
   * and the load is shorter by about one inference: what a caller that classifies at once after loading
   * (a Lambda function's on-demand cold start) wants. A model whose file does not state its output width,
   * or whether its output is a softmax when the manifest leaves that to `auto`, is warmed up regardless.
   */
  warmUp?: boolean;
}

export interface ModelInfo {
  name: string;
  format: ModelFormat;
  inputSize: [number, number];
  classes: number;
  backgroundClasses: number;
  output: OutputKind;
  resize: ResizeMode;
  labels: string;
}

export interface Timings {
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  totalMs: number;
}

export interface ClassificationResult {
  predictions: Prediction[];
  model: string;
  backend: BackendName;
  /** The decoder that read this image. */
  decoder: DecoderName;
  image: { format: ImageFormat; width: number; height: number; bytes: number };
  timings: Timings;
  /** The decoded pixels (RGBA, upright, possibly already shrunk by the decoder), when `keepPixels` asked. */
  pixels?: DecodedImage;
  /** Every class, best first, whatever `topK` and `minConfidence` say, when `allProbabilities` asked. */
  probabilities?: Prediction[];
}

export interface ClassifyOptions {
  /** 1..MAX_TOP_K, or up to the model's class count to get every class's probability. */
  topK?: number;
  /** 0..1: predictions below it are dropped, the best one is always kept. */
  minConfidence?: number;
  /** Return the decoded pixels too, for callers that look at the image itself (colours, sharpness). */
  keepPixels?: boolean;
  /** Return every class's probability too, for callers that sum them (labels with parents). */
  allProbabilities?: boolean;
}

export interface EmbedOptions {
  /** Mirror the image left to right first (a light augmentation for training). */
  mirror?: boolean;
}

export interface Classifier {
  readonly backend: BackendName;
  /** The decoder chosen at load (a format it lacks may still go to jimp: see each result). */
  readonly decoder: DecoderName;
  readonly model: ModelInfo;
  readonly limits: ImageLimits;
  classify(bytes: Uint8Array, options?: ClassifyOptions): Promise<ClassificationResult>;
  /**
   * The base model's penultimate features for one image (for a model with a trained head: those the head
   * reads). MODEL_INVALID where the model format cannot expose them. Optional so fakes need not have it.
   */
  embed?(bytes: Uint8Array, options?: EmbedOptions): Promise<Float32Array>;
  dispose(): void;
}

// The MobileNets and most TF-slim/Keras ImageNet models take inputs in [-1, 1].
const DEFAULT_RANGE: Normalization = { kind: 'range', min: -1, max: 1 };
// Centre crop scored better than stretching on the shared test images: see README, "Preprocessing".
const DEFAULT_RESIZE: ResizeMode = 'center-crop';

const round = (ms: number): number => Math.round(ms * 100) / 100;
// A shrinking decoder reports the full size separately from the pixels it kept.
const size = (image: DecodedImage | FittedImage) => ({
  width: image.original?.width ?? image.width,
  height: image.original?.height ?? image.height,
});

/** The manifest's normalisation, else what the model file states (TFLite metadata or quantization). */
function normalizationOf(model: LocatedModel, facts: ModelFacts = {}): Normalization {
  const stated = model.manifest.inputRange || model.manifest.normalize ? model.manifest : facts;
  const { inputRange, normalize } = stated;
  if (normalize) return { kind: 'mean-std', mean: normalize.mean, std: normalize.std };
  if (inputRange) return { kind: 'range', min: inputRange[0], max: inputRange[1] };
  return DEFAULT_RANGE;
}

function validateDecoder(value: DecoderChoice | undefined): DecoderChoice {
  const name = value ?? 'jimp';
  if (!DECODERS.includes(name)) {
    throw new LambdaVisionError(
      ErrorCode.INVALID_OPTION,
      `unknown decoder "${String(value)}": use one of ${DECODERS.join(', ')}`,
    );
  }
  return name;
}

/** sharp's decoder maker for `sharp`, and for `auto` when sharp loads; undefined means jimp. */
export function chooseSharp(
  choice: DecoderChoice,
  load: typeof loadSharpDecoder = loadSharpDecoder,
): ReturnType<typeof loadSharpDecoder> | undefined {
  if (choice === 'jimp') return undefined;
  try {
    return load();
  } catch (error) {
    if (
      choice === 'auto' &&
      error instanceof LambdaVisionError &&
      error.code === ErrorCode.BACKEND_UNAVAILABLE
    )
      return undefined;
    throw error;
  }
}

/** The decoder `loadClassifier` will use for a choice: sharp where it loads (for `auto`), else jimp. */
export function resolveDecoder(choice: DecoderChoice): DecoderName {
  return chooseSharp(validateDecoder(choice)) ? 'sharp' : 'jimp';
}

/**
 * Loads a model once: activates the backend, reads the weights from disk, resolves the model's facts
 * (manifest, else the model's own shapes) and runs one warm-up inference so the first real image does
 * not pay for kernel compilation (`warmUp: false` skips it where the file states what it would tell).
 */
export async function loadClassifier(options: ClassifierOptions): Promise<Classifier> {
  // Before the model: a missing sharp fails fast and leaks nothing.
  const sharpDecoderFor = chooseSharp(validateDecoder(options.decoder));
  const backend = await selectBackend(options.backend ?? 'auto');
  const limits: ImageLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const located = await locateModel(options.modelDir);
  const { manifest } = located;
  const base: Predictor = await loadPredictor(located);
  let predictor = base;
  if (manifest.head) {
    try {
      predictor = await attachHead(base, manifest.head, located.manifestDir);
    } catch (error) {
      base.dispose();
      throw error;
    }
  }

  const inputSize = manifest.inputSize ?? predictor.inputSize;
  if (!inputSize) {
    predictor.dispose();
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `the input size of ${located.path} is not fixed by the model: set "inputSize": [height, width] in ${path.join(located.manifestDir, 'lambdavision.json')}`,
    );
  }
  const spec: PreprocessSpec = {
    height: inputSize[0],
    width: inputSize[1],
    resize: options.resize ?? manifest.resize ?? DEFAULT_RESIZE,
    normalization: normalizationOf(located, predictor.facts),
  };
  const sharpDecoders = sharpDecoderFor?.(spec);
  // The whole image, for callers that look at it (keepPixels); and the model's input, which sharp makes
  // itself (crop, resize, RGB) so preprocessing only normalises, while jimp's whole image is cropped here.
  const decode: Decoder = sharpDecoders?.decode ?? decodeWithJimp;
  const decodeInput: InputDecoder = sharpDecoders?.decodeInput ?? decodeWithJimp;
  const decoder: DecoderName = sharpDecoderFor ? 'sharp' : 'jimp';
  // sharp hands what libvips lacks to jimp, so either may take a format.
  const decoders: DecoderName[] = sharpDecoderFor ? ['sharp', 'jimp'] : ['jimp'];

  // Warm-up: compiles kernels and tells us the output width (and whether it is already a softmax), where
  // the file does not say. It is skipped only where nothing it would catch is left: the file states the
  // score row and its kind, and the manifest does not ask for another input size than the model's own.
  const stated = manifest.output && manifest.output !== 'auto' ? manifest.output : predictor.scores?.kind;
  const sameInput =
    !manifest.inputSize ||
    !predictor.inputSize ||
    (manifest.inputSize[0] === predictor.inputSize[0] && manifest.inputSize[1] === predictor.inputSize[1]);
  let outputs: number;
  let output: OutputKind;
  if (options.warmUp === false && predictor.scores && stated && sameInput) {
    outputs = predictor.scores.width;
    output = stated;
  } else {
    const warm = tf.tidy(() => predictor.predict(tf.zeros([1, spec.height, spec.width, 3]) as tf.Tensor4D));
    const warmScores = await warm.data();
    warm.dispose();
    outputs = warm.shape[1];
    // One model has one kind, warmed up or not: the file's word first, the scores' look otherwise.
    output = stated ?? detectOutputKind(warmScores);
  }
  // TF-slim exports (1001 outputs) put a "background" class first.
  const background = manifest.backgroundClasses ?? (outputs === 1001 ? 1 : 0);
  if (background >= outputs) {
    predictor.dispose();
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `backgroundClasses (${background}) must be below the ${outputs} outputs`,
    );
  }
  let labels: Awaited<ReturnType<typeof loadLabels>>;
  try {
    labels = await loadLabels({
      explicit: manifest.labels ? path.resolve(located.manifestDir, manifest.labels) : undefined,
      embedded: predictor.facts?.labels,
      searchDirs: located.labelDirs,
      outputs,
      background,
    });
  } catch (error) {
    predictor.dispose();
    throw error;
  }

  const model: ModelInfo = {
    name: manifest.name ?? predictor.facts?.name ?? located.defaultName,
    format: located.format,
    inputSize: [spec.height, spec.width],
    classes: outputs - background,
    backgroundClasses: background,
    output,
    resize: spec.resize,
    labels: labels.source,
  };

  return {
    backend,
    decoder,
    model,
    limits,
    async classify(bytes, classifyOptions = {}) {
      // A model with more classes than MAX_TOP_K may list them all.
      const k = checkNumber(
        classifyOptions.topK ?? 5,
        { ...OPTION_RULES.topK, max: Math.max(OPTION_RULES.topK.max, model.classes) },
        'topK',
      );
      const minConfidence = checkOption('minConfidence', classifyOptions.minConfidence ?? 0);
      const start = performance.now();
      // The header is read once, here, and handed to the decoder with its layout.
      const header = inspectImage(bytes, limits, decoders);
      const image = await decodeInput(bytes, header, limits);
      // The same model input with or without keepPixels; the whole image then costs sharp a second decode.
      const pixels = classifyOptions.keepPixels
        ? isFitted(image)
          ? await decode(bytes, header, limits)
          : image
        : undefined;
      const decoded = performance.now();
      const input = tf.tidy(() => toInputTensor(image, spec));
      const prepared = performance.now();
      let scores: Float32Array | Int32Array | Uint8Array;
      try {
        const logits = tf.tidy(() => predictor.predict(input));
        scores = await logits.data();
        logits.dispose();
        // Without a warm-up the width came from the file: a file that misstates it is caught here, before
        // its scores are read against the wrong labels.
        if (scores.length !== outputs) {
          throw new ModelError(
            ErrorCode.MODEL_INVALID,
            `${located.path} states ${outputs} outputs but gives ${scores.length}`,
          );
        }
      } finally {
        input.dispose();
      }
      const inferred = performance.now();
      const predictions = topK(scores, {
        kind: output,
        background,
        labels: labels.labels,
        topK: k,
        minConfidence,
      });
      const end = performance.now();
      return {
        predictions,
        model: model.name,
        backend,
        decoder: image.decoder,
        image: { format: header.format, ...size(image), bytes: bytes.length },
        timings: {
          decodeMs: round(decoded - start),
          preprocessMs: round(prepared - decoded),
          inferenceMs: round(inferred - prepared),
          totalMs: round(end - start),
        },
        ...(pixels ? { pixels } : {}),
        ...(classifyOptions.allProbabilities
          ? {
              probabilities: topK(scores, {
                kind: output,
                background,
                labels: labels.labels,
                topK: model.classes,
              }),
            }
          : {}),
      };
    },
    async embed(bytes, embedOptions = {}) {
      const embedder = predictor.embed?.bind(predictor);
      if (!embedder) {
        throw new ModelError(
          ErrorCode.MODEL_INVALID,
          `${located.path} does not expose its penultimate features (no final Dense/Conv/MatMul found)`,
        );
      }
      const header = inspectImage(bytes, limits, decoders);
      const image = await decodeInput(bytes, header, limits);
      const features = tf.tidy(() => {
        const input = toInputTensor(image, spec);
        return embedder(embedOptions.mirror ? (tf.reverse(input, 2) as tf.Tensor4D) : input);
      });
      try {
        return (await features.data()) as Float32Array;
      } finally {
        features.dispose();
      }
    },
    dispose: () => predictor.dispose(),
  };
}
