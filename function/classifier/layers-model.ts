import type * as tf from '@tensorflow/tfjs-core';
import {
  type LayersModel,
  model as layersModelOf,
  loadLayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import type { LocatedModel } from './model-files';
import { asScores, firstTensor, type Predictor, sizeFromShape } from './predictor';
import { useSingleKernelRelu6 } from './single-kernel-relu6';
import { fileSystemHandler } from './tfjs-files';

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
function layersEmbedder(layers: LayersModel): ((input: tf.Tensor4D) => tf.Tensor2D) | undefined {
  const head = [...layers.layers].reverse().find((l) => CLASSIFYING_LAYERS.has(l.getClassName()));
  const features = head?.input;
  if (!features || Array.isArray(features)) return undefined;
  const sub = layersModelOf({ inputs: layers.inputs, outputs: features as SymbolicTensor });
  return (input) => asScores(firstTensor(sub.predict(input)));
}

/** A layers model as a Predictor, its relu6 run as one kernel. */
export async function loadLayersPredictor(model: LocatedModel): Promise<Predictor> {
  // After tfjs-layers has registered its own relu6 (on import), which this replaces.
  useSingleKernelRelu6();
  const layers = await loadLayersModel(fileSystemHandler(model.path));
  return {
    inputSize: sizeFromShape(layers.inputs[0]?.shape),
    predict: (input) => asScores(firstTensor(layers.predict(input))),
    embed: layersEmbedder(layers),
    dispose: () => layers.dispose(),
  };
}
