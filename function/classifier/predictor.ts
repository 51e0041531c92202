import { readFile } from 'node:fs/promises';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import {
  type LayersModel,
  model as layersModelOf,
  loadLayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { nativeModule } from './backend';
import { ErrorCode, ModelError } from './errors';
import { fileSystemHandler, type LocatedModel } from './model-files';
import { useSingleKernelRelu6 } from './single-kernel-relu6';

/** What the classifier needs of any model: one batch in, one score row per image out. */
export interface Predictor {
  /** [height, width] from the model's input signature, when it fixes them. */
  inputSize?: [number, number];
  predict(input: tf.Tensor4D): tf.Tensor2D;
  /**
   * The features the classification head reads (the penultimate layer), one row per image: what custom
   * heads are trained on. Absent where the format cannot expose them.
   */
  embed?(input: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

function firstTensor(output: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor {
  const tensor =
    output instanceof tf.Tensor ? output : Array.isArray(output) ? output[0] : Object.values(output)[0];
  if (!tensor) throw new ModelError(ErrorCode.MODEL_INVALID, 'the model produced no output tensor');
  return tensor;
}

function asScores(tensor: tf.Tensor): tf.Tensor2D {
  // Some converted graphs keep a [N, 1, 1, C] head; flatten everything after the batch dimension.
  return tensor.rank === 2 ? (tensor as tf.Tensor2D) : tf.reshape(tensor, [tensor.shape[0] ?? 1, -1]);
}

function sizeFromShape(
  shape: ReadonlyArray<number | null | undefined> | undefined,
): [number, number] | undefined {
  // NHWC with a known H and W; anything else (NCHW, dynamic) must come from the manifest.
  if (shape?.length === 4 && shape[3] === 3 && typeof shape[1] === 'number' && typeof shape[2] === 'number') {
    if (shape[1] > 0 && shape[2] > 0) return [shape[1], shape[2]];
  }
  return undefined;
}

/** Layers that map features to class scores: the embedding is what the last of them reads. */
const CLASSIFYING_LAYERS: ReadonlySet<string> = new Set(['Dense', 'Conv2D']);

/**
 * The features a Keras-style model classifies: the input of its last Dense or 1×1 Conv (MobileNet's
 * `conv_preds`), so the pooling before it is included and the softmax/reshape after it is not.
 */
function layersEmbedder(layers: LayersModel): ((input: tf.Tensor4D) => tf.Tensor2D) | undefined {
  const head = [...layers.layers].reverse().find((l) => CLASSIFYING_LAYERS.has(l.getClassName()));
  const features = head?.input;
  if (!features || Array.isArray(features)) return undefined;
  const sub = layersModelOf({ inputs: layers.inputs, outputs: features as SymbolicTensor });
  return (input) => asScores(firstTensor(sub.predict(input)));
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
}

/** Ops that hold the classification weights in converted graphs (bias and activation may be fused in). */
const CLASSIFYING_OPS: ReadonlySet<string> = new Set(['MatMul', '_FusedMatMul', 'Conv2D', '_FusedConv2D']);

/**
 * Walks back from the graph's output through each node's first input to the last MatMul/Conv; the
 * tensor it reads is the embedding. Undefined where the graph has no such node on that path.
 */
async function graphEmbeddingNode(modelJsonPath: string, graph: GraphModel): Promise<string | undefined> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
    modelTopology?: { node?: GraphNode[] };
  };
  const nodes = new Map((json.modelTopology?.node ?? []).map((n) => [n.name, n]));
  const bare = (name: string) => name.replace(/^\^/, '').replace(/:\d+$/, '');
  let current = nodes.get(bare(graph.outputs[0]?.name ?? ''));
  for (let steps = 0; current && steps < nodes.size; steps++) {
    const first = current.input?.[0];
    if (!first) return undefined;
    if (CLASSIFYING_OPS.has(current.op)) return bare(first);
    current = nodes.get(bare(first));
  }
  return undefined;
}

function graphEmbedder(graph: GraphModel, node: string | undefined) {
  if (!node) return undefined;
  return (input: tf.Tensor4D) => asScores(firstTensor(graph.execute(input, node)));
}

export async function loadPredictor(model: LocatedModel): Promise<Predictor> {
  try {
    switch (model.format) {
      case 'layers-model': {
        useSingleKernelRelu6();
        const layers = await loadLayersModel(fileSystemHandler(model.path));
        return {
          inputSize: sizeFromShape(layers.inputs[0]?.shape),
          predict: (input) => asScores(firstTensor(layers.predict(input))),
          embed: layersEmbedder(layers),
          dispose: () => layers.dispose(),
        };
      }
      case 'graph-model': {
        const graph = await loadGraphModel(fileSystemHandler(model.path));
        return {
          inputSize: sizeFromShape(graph.inputs[0]?.shape),
          predict: (input) => asScores(firstTensor(graph.predict(input))),
          embed: graphEmbedder(graph, await graphEmbeddingNode(model.path, graph)),
          dispose: () => graph.dispose(),
        };
      }
      case 'saved-model': {
        const native = nativeModule();
        if (!native) {
          throw new ModelError(
            ErrorCode.MODEL_INVALID,
            `${model.path} is a TensorFlow SavedModel, which only the "tensorflow" backend (tfjs-node) can run; convert it with tensorflowjs_converter to use wasm or cpu`,
          );
        }
        const saved = await native.node.loadSavedModel(
          model.path,
          model.manifest.tags,
          model.manifest.signature,
        );
        return {
          predict: (input) => asScores(firstTensor(saved.predict(input))),
          dispose: () => saved.dispose(),
        };
      }
    }
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    throw new ModelError(
      ErrorCode.MODEL_INVALID,
      `cannot load the model at ${model.path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
