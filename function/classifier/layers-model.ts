import type * as tf from '@tensorflow/tfjs-core';
import {
  type LayersModel,
  model as layersModelOf,
  loadLayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import type { LocatedModel } from './model-files';
import {
  asScores,
  firstTensor,
  type Predictor,
  type ScoreRow,
  sizeFromShape,
  staticWidth,
} from './predictor';
import { useSingleKernelRelu6 } from './single-kernel-relu6';
import { fileSystemHandler } from './tfjs-files';
import type { OutputKind } from './top-k';

/*
 * TF.js layers models, in a module of their own that the format table imports only when it loads one:
 * a TFLite model never evaluates tfjs-layers.
 */

const CLASSIFYING_LAYERS: ReadonlySet<string> = new Set(['Dense', 'Conv2D']);

/**
 * The features a Keras-style model classifies: the input of its last Dense or 1×1 Conv (MobileNet's
 * `conv_preds`), so the pooling before it is included and the softmax/reshape after it is not. Custom
 * heads are trained on them.
 */
function layersEmbedder(
  layers: LayersModel,
): { embed: (input: tf.Tensor4D) => tf.Tensor2D; size?: number } | undefined {
  const head = [...layers.layers].reverse().find((l) => CLASSIFYING_LAYERS.has(l.getClassName()));
  const features = head?.input;
  if (!features || Array.isArray(features)) return undefined;
  const sub = layersModelOf({ inputs: layers.inputs, outputs: features as SymbolicTensor });
  return {
    embed: (input) => asScores(firstTensor(sub.predict(input))),
    size: staticWidth((features as SymbolicTensor).shape),
  };
}

/** Layers after the classifying one that change neither width nor values. */
const PASS_THROUGH_LAYERS: ReadonlySet<string> = new Set(['Reshape', 'Flatten', 'Dropout']);

/**
 * The output's width from its shape, and its kind from the last layer that computes: a softmax
 * activation gives probabilities, a linear Dense or Conv2D logits; anything else the warm-up tells.
 */
function scoreRow(layers: LayersModel): ScoreRow | undefined {
  const width = staticWidth(layers.outputs[0]?.shape);
  if (!width) return undefined;
  const last = [...layers.layers].reverse().find((l) => !PASS_THROUGH_LAYERS.has(l.getClassName()));
  const activation = last?.getConfig().activation;
  const kind: OutputKind | undefined =
    activation === 'softmax'
      ? 'probabilities'
      : activation === 'linear' && last && CLASSIFYING_LAYERS.has(last.getClassName())
        ? 'logits'
        : undefined;
  return { width, ...(kind ? { kind } : {}) };
}

/** A layers model as a Predictor, its relu6 run as one kernel. */
export async function loadLayersPredictor(model: LocatedModel): Promise<Predictor> {
  // After tfjs-layers has registered its own relu6 (on import), which this replaces.
  useSingleKernelRelu6();
  const layers = await loadLayersModel(fileSystemHandler(model.path));
  const scores = scoreRow(layers);
  const embedder = layersEmbedder(layers);
  return {
    inputSize: sizeFromShape(layers.inputs[0]?.shape),
    ...(scores ? { scores } : {}),
    predict: (input) => asScores(firstTensor(layers.predict(input))),
    ...(embedder ? { embed: embedder.embed } : {}),
    ...(embedder?.size ? { embeddingSize: embedder.size } : {}),
    dispose: () => layers.dispose(),
  };
}
