import { type BackendChoice, type DecoderChoice, loadClassifier } from '../../function/classifier';
import type { BenchClassification } from './onnx-classifier';

/** The product itself, through its public surface, shaped like the onnxruntime peer for the jobs. */
export async function loadTfjsClassifier(modelDir: string, backend: BackendChoice, decoder: DecoderChoice) {
  const classifier = await loadClassifier({ modelDir, backend, decoder });
  return {
    backend: classifier.backend,
    async classify(bytes: Uint8Array): Promise<BenchClassification> {
      const result = await classifier.classify(bytes, { topK: 1 });
      const [best] = result.predictions;
      if (!best) throw new Error('the classifier returned no prediction');
      return { top1: best, width: result.image.width, height: result.image.height, timings: result.timings };
    },
  };
}
