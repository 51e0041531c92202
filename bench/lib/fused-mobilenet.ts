import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * The same layers model run with fused kernels: Conv2D and DepthwiseConv2D become one `tf.fused.*` call
 * each, with bias and activation (relu6 included) inside the kernel. tfjs-layers fuses only relu/linear/elu
 * into Conv2D and never fuses DepthwiseConv2D, so relu6 runs as a separate Relu and a broadcasting Minimum
 * per layer. This measures what fusion would save, on the same weights; it is a bench experiment, not the
 * product's predictor, and it refuses layer types it does not know.
 */
export interface FusedModel {
  predict(input: tf.Tensor4D): tf.Tensor2D;
}

type FusedActivation = 'linear' | 'relu' | 'relu6';
const FUSABLE: ReadonlySet<string> = new Set(['linear', 'relu', 'relu6']);

/** The fields used, as `Layer.getConfig()` names them (camelCase; model.json has them in snake_case). */
interface LayerConfig {
  strides?: [number, number];
  padding?: 'same' | 'valid';
  dilationRate?: [number, number];
  activation?: string;
  useBias?: boolean;
  poolSize?: [number, number];
  targetShape?: number[];
}

function activationOf(config: LayerConfig, layer: string): FusedActivation {
  const activation = config.activation ?? 'linear';
  if (!FUSABLE.has(activation)) throw new Error(`layer ${layer}: activation ${activation} cannot be fused`);
  return activation as FusedActivation;
}

export function fuseLayersModel(model: LayersModel): FusedModel {
  const layers = model.layers.map((layer) => {
    const config = layer.getConfig() as LayerConfig;
    const kind = layer.getClassName();
    const inputs = layer.inboundNodes[0]?.inboundLayers.map((l) => l.name) ?? [];
    const weights = layer.getWeights();
    return { name: layer.name, kind, config, inputs, weights };
  });
  const outputName = model.outputs[0]?.sourceLayer.name;

  return {
    predict(input) {
      return tf.tidy(() => {
        const values = new Map<string, tf.Tensor>();
        const get = (name: string | undefined): tf.Tensor => {
          const t = name === undefined ? undefined : values.get(name);
          if (!t) throw new Error(`fused model: no value for layer ${name}`);
          return t;
        };
        for (const l of layers) {
          const x = l.kind === 'InputLayer' ? input : get(l.inputs[0]);
          const bias = l.config.useBias ? (l.weights[1] as tf.Tensor1D) : undefined;
          const conv = {
            strides: l.config.strides ?? [1, 1],
            pad: l.config.padding ?? 'valid',
            dilations: l.config.dilationRate ?? [1, 1],
            bias,
          } as const;
          let y: tf.Tensor;
          switch (l.kind) {
            case 'InputLayer':
              y = input;
              break;
            case 'Conv2D':
              y = tf.fused.conv2d({
                x: x as tf.Tensor4D,
                filter: l.weights[0] as tf.Tensor4D,
                ...conv,
                activation: activationOf(l.config, l.name),
              });
              break;
            case 'DepthwiseConv2D':
              y = tf.fused.depthwiseConv2d({
                x: x as tf.Tensor4D,
                filter: l.weights[0] as tf.Tensor4D,
                ...conv,
                activation: activationOf(l.config, l.name),
              });
              break;
            case 'Add':
              y = tf.addN(l.inputs.map(get));
              break;
            case 'AveragePooling2D':
              y = tf.avgPool(
                x as tf.Tensor4D,
                l.config.poolSize ?? [2, 2],
                l.config.strides ?? [1, 1],
                conv.pad,
              );
              break;
            case 'Reshape':
              y = tf.reshape(x, [x.shape[0] ?? 1, ...(l.config.targetShape ?? [-1])]);
              break;
            case 'Activation':
              if (l.config.activation !== 'softmax')
                throw new Error(`layer ${l.name}: ${l.config.activation}`);
              y = tf.softmax(x);
              break;
            default:
              throw new Error(`fused model: layer type ${l.kind} (${l.name}) is not supported`);
          }
          values.set(l.name, y);
        }
        const out = get(outputName);
        return (out.rank === 2 ? out : tf.reshape(out, [out.shape[0] ?? 1, -1])) as tf.Tensor2D;
      });
    },
  };
}
