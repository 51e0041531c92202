import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type SharpModule from 'sharp';
import type { BenchClassification } from './onnx-classifier';

// Native packages resolved at run time (NODE_PATH), never bundled; nothing from the classifier is imported,
// so this process holds neither TensorFlow.js nor jimp.
const load = createRequire(__filename);

/** The model's labels (a JSON array or one label a line) from the model folder or a subfolder of it. */
function readLabels(modelDir: string, outputs: number): string[] {
  const candidates = [modelDir, ...readdirSync(modelDir).map((d) => path.join(modelDir, d))].flatMap(
    (dir) => {
      try {
        return readdirSync(dir)
          .filter((f) => /labels.*\.(json|txt)$/i.test(f))
          .map((f) => path.join(dir, f));
      } catch {
        return [];
      }
    },
  );
  for (const file of candidates) {
    const text = readFileSync(file, 'utf8');
    const labels = file.endsWith('.json') ? (JSON.parse(text) as string[]) : text.split('\n').filter(Boolean);
    if (labels.length === outputs) return labels;
  }
  return Array.from({ length: outputs }, (_, i) => `class ${i}`);
}

/**
 * The best pipeline a user could assemble from npm, as the peer: sharp decodes with shrink-on-load straight
 * to the model's input (centre crop, 224×224 RGB), a loop scales it to [-1, 1], and onnxruntime-node runs
 * the ONNX twin of the same weights on one thread with idle spinning off.
 */
export async function loadPeerClassifier(modelDir: string, onnxFile: string) {
  const sharp = load('sharp') as typeof SharpModule;
  const ort = load('onnxruntime-node') as typeof Ort;
  sharp.cache(false);
  sharp.concurrency(1);
  const session = await ort.InferenceSession.create(onnxFile, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const inputName = session.inputNames[0] as string;
  const outputName = session.outputNames[0] as string;
  const meta = session.inputMetadata[0];
  const shape = meta?.isTensor ? meta.shape : [];
  const height = typeof shape[1] === 'number' ? shape[1] : 224;
  const width = typeof shape[2] === 'number' ? shape[2] : 224;
  const run = async (input: Float32Array) =>
    (await session.run({ [inputName]: new ort.Tensor('float32', input, [1, height, width, 3]) }))[outputName]
      ?.data as Float32Array;
  const outputs = (await run(new Float32Array(height * width * 3))).length;
  const labels = readLabels(modelDir, outputs);

  return {
    backend: 'onnxruntime' as const,
    async classify(bytes: Uint8Array): Promise<BenchClassification> {
      const start = performance.now();
      const pipeline = sharp(bytes, { failOn: 'error', autoOrient: true, limitInputPixels: 40_000_000 });
      const { data, info } = await pipeline
        .resize(width, height, { fit: 'cover', position: 'centre' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const decoded = performance.now();
      const input = new Float32Array(width * height * 3);
      // x ∈ [0, 255] ↦ x / 127.5 − 1, the ONNX twin's input range
      for (let i = 0; i < input.length; i++) input[i] = (data[i] as number) / 127.5 - 1;
      const prepared = performance.now();
      const scores = await run(input);
      const inferred = performance.now();
      let best = 0;
      for (let i = 1; i < scores.length; i++) if ((scores[i] as number) > (scores[best] as number)) best = i;
      const end = performance.now();
      const background = outputs === 1001 ? 1 : 0;
      return {
        top1: { classId: best - background, label: labels[best] ?? '', probability: scores[best] as number },
        width: info.width,
        height: info.height,
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
