import * as tf from '@tensorflow/tfjs-core';
import { loadClassifier, moduleRequire } from '../../../function/classifier';
import type { WasmThreadsJob, WasmThreadsResult } from './job-types';

/**
 * Tries the threaded SIMD build of the wasm backend. tfjs 4.22 reports no thread support under Node
 * (tensorflow/tfjs#3830), so the flag is forced; the result says whether that works here.
 */
export async function runWasmThreads(job: WasmThreadsJob): Promise<WasmThreadsResult> {
  try {
    const wasm = moduleRequire(
      '@tensorflow/tfjs-backend-wasm',
    ) as typeof import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    const classifier = await loadClassifier({ modelDir: job.modelDir, backend: 'wasm' });
    classifier.dispose();
    return { ok: true, threads: wasm.getThreadsCount() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: message.split('\n')[0] };
  }
}
