import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import {
  DEFAULT_LIMITS,
  decodeWithJimp,
  fileSystemHandler,
  loadClassifier,
  loadLabels,
  locateModel,
  probeImage,
  toInputTensor,
} from '../../../function/classifier';
import { fuseLayersModel } from '../fused-mobilenet';
import { createOnnxPeer } from '../onnx-peer';
import type { AgreementJob, AgreementRow } from './job-types';

function argmax(scores: ArrayLike<number>, from: number): number {
  let best = from;
  for (let i = from; i < scores.length; i++) if ((scores[i] as number) > (scores[best] as number)) best = i;
  return best;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/**
 * Top-1 of the product (wasm, jimp), of the sharp decoder, and, on the very same input tensor, of
 * onnxruntime on the ONNX twin and of the fused-kernel experiment: speed is only worth comparing if the
 * answers agree.
 */
export async function runAgreement(job: AgreementJob): Promise<AgreementRow[]> {
  const ours = await loadClassifier({ modelDir: job.modelDir, backend: 'wasm' });
  const sharp = await loadClassifier({ modelDir: job.modelDir, backend: 'wasm', decoder: 'sharp' });
  const located = await locateModel(job.modelDir);
  const layers = await loadLayersModel(fileSystemHandler(located.path));
  const fused = fuseLayersModel(layers);
  const onnx = job.onnxFile ? await createOnnxPeer(job.onnxFile, { threads: 1 }) : undefined;
  const background = ours.model.backgroundClasses;
  const [height, width] = ours.model.inputSize;
  const range = located.manifest.inputRange ?? [-1, 1];
  const spec = {
    height,
    width,
    resize: ours.model.resize,
    normalization: { kind: 'range', min: range[0], max: range[1] } as const,
  };
  const { labels } = await loadLabels({
    searchDirs: [located.dir],
    outputs: ours.model.classes + background,
    background,
  });

  const rows: AgreementRow[] = [];
  for (const file of job.images) {
    const bytes = readFileSync(file);
    const a = (await ours.classify(bytes, { topK: 1 })).predictions[0];
    const b = (await sharp.classify(bytes, { topK: 1 })).predictions[0];
    if (!a || !b) throw new Error(`no prediction for ${file}`);
    const image = await decodeWithJimp(bytes, probeImage(bytes, DEFAULT_LIMITS), DEFAULT_LIMITS);
    const input = tf.tidy(() => toInputTensor(image, spec));
    const reference = tf.tidy(() => (layers.predict(input) as tf.Tensor).dataSync() as Float32Array);
    const fusedScores = tf.tidy(() => fused.predict(input).dataSync() as Float32Array);
    const row: AgreementRow = {
      image: path.basename(file),
      ours: { classId: a.classId, label: a.label, probability: a.probability },
      sharp: { classId: b.classId, label: b.label, probability: b.probability },
      fused: {
        classId: argmax(fusedScores, background) - background,
        maxAbsDiff: maxAbsDiff(reference, fusedScores),
      },
    };
    if (onnx) {
      const scores = await onnx.run(input.dataSync() as Float32Array);
      const best = argmax(scores, background);
      row.onnx = {
        classId: best - background,
        label: labels[best - background] ?? `class ${best - background}`,
        probability: scores[best] as number,
        maxAbsDiff: maxAbsDiff(reference, scores),
      };
    }
    input.dispose();
    rows.push(row);
  }
  await onnx?.release();
  return rows;
}
