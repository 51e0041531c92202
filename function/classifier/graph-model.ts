import { readFile } from 'node:fs/promises';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, model as layersModelOf, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { asScores, firstTensor } from './predictor';

/**
 * Predictor.embed for the TensorFlow.js formats: the features a model's classification layer reads,
 * which custom heads are trained on.
 */

const CLASSIFYING_LAYERS: ReadonlySet<string> = new Set(['Dense', 'Conv2D']);

/**
 * The features a Keras-style model classifies: the input of its last Dense or 1×1 Conv (MobileNet's
 * `conv_preds`), so the pooling before it is included and the softmax/reshape after it is not.
 */
export function layersEmbedder(layers: LayersModel): ((input: tf.Tensor4D) => tf.Tensor2D) | undefined {
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
export async function graphEmbeddingNode(
  modelJsonPath: string,
  graph: GraphModel,
): Promise<string | undefined> {
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

export function graphEmbedder(graph: GraphModel, node: string | undefined) {
  if (!node) return undefined;
  return (input: tf.Tensor4D) => asScores(firstTensor(graph.execute(input, node)));
}
