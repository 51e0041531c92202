import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_LIMITS,
  decodeWithJimp,
  loadLabels,
  locateModel,
  type Prediction,
  type PreprocessSpec,
  probeImage,
  selectBackend,
  type Timings,
  toInputTensor,
  topK,
} from '../../function/classifier';
import { createOnnxPeer } from './onnx-peer';

export interface BenchClassification {
  timings: Timings;
  top1: Prediction;
  width: number;
  height: number;
}

/**
 * The classifier's own pipeline (header probe, jimp decode, preprocessing on TensorFlow.js wasm, top-k)
 * with onnxruntime-node doing the inference: the peer a product would get by swapping only the engine.
 */
export async function loadOnnxClassifier(modelDir: string, onnxFile: string, threads: number) {
  await selectBackend('wasm');
  const { manifest, dir } = await locateModel(modelDir);
  const peer = await createOnnxPeer(onnxFile, { threads });
  const [height, width] = peer.inputSize;
  // The ONNX twin's documented conventions: NHWC RGB in [-1, 1], softmax output, centre crop as ours.
  const range = manifest.inputRange ?? [-1, 1];
  const spec: PreprocessSpec = {
    height,
    width,
    resize: manifest.resize ?? 'center-crop',
    normalization: { kind: 'range', min: range[0], max: range[1] },
  };
  const warm = await peer.run(new Float32Array(height * width * 3));
  const outputs = warm.length;
  const background = manifest.backgroundClasses ?? (outputs === 1001 ? 1 : 0);
  const labels = await loadLabels({ searchDirs: [dir], outputs, background });

  return {
    backend: 'onnxruntime' as const,
    async classify(bytes: Uint8Array): Promise<BenchClassification> {
      const start = performance.now();
      const header = probeImage(bytes, DEFAULT_LIMITS);
      const image = await decodeWithJimp(bytes, header, DEFAULT_LIMITS);
      const decoded = performance.now();
      const input = tf.tidy(() => toInputTensor(image, spec));
      const pixels = (await input.data()) as Float32Array;
      input.dispose();
      const prepared = performance.now();
      const scores = await peer.run(pixels);
      const inferred = performance.now();
      const [best] = topK(scores, { kind: 'probabilities', background, labels: labels.labels, topK: 1 });
      const end = performance.now();
      return {
        top1: best as Prediction,
        width: image.width,
        height: image.height,
        timings: {
          decodeMs: decoded - start,
          preprocessMs: prepared - decoded,
          inferenceMs: inferred - prepared,
          totalMs: end - start,
        },
      };
    },
  };
}
