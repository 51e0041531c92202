import { readFile } from 'node:fs/promises';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import type * as tf from '@tensorflow/tfjs-core';
import type { LocatedModel } from './model-files';
import { asScores, firstTensor, type Predictor, sizeFromShape } from './predictor';
import { fileSystemHandler } from './tfjs-files';

/*
 * TF.js graph models (tfjs-converter), in a module of their own that the format table imports only when
 * it loads one: a TFLite model never evaluates tfjs-converter.
 */

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

/** A graph model as a Predictor; its embedding is what its last MatMul/Conv reads. */
export async function loadGraphPredictor(model: LocatedModel): Promise<Predictor> {
  const graph = await loadGraphModel(fileSystemHandler(model.path));
  return {
    inputSize: sizeFromShape(graph.inputs[0]?.shape),
    predict: (input) => asScores(firstTensor(graph.predict(input))),
    embed: graphEmbedder(graph, await graphEmbeddingNode(model.path, graph)),
    dispose: () => graph.dispose(),
  };
}
