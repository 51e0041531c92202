import * as tf from '@tensorflow/tfjs-core';
import { median } from './stats';

export interface KernelTime {
  kernel: string;
  count: number;
  /** Median over the profiled runs of the kernel's summed time in one run. */
  ms: number;
}

/**
 * Per-kernel time of a function over `runs` runs with tf.profile. tf.profile also reports the op-level
 * wrappers of composite ops (names ending in `__op`, e.g. `fusedConv2d__op`) around the kernels they run;
 * those are dropped so nothing is counted twice. On the wasm and cpu backends a kernel's time is the
 * wall time of its synchronous call.
 */
export async function profileKernels(fn: () => tf.Tensor, runs: number): Promise<KernelTime[]> {
  const perRun: Array<Map<string, { count: number; ms: number }>> = [];
  for (let i = 0; i < runs; i++) {
    const info = await tf.profile(() => {
      const out = fn();
      out.dataSync();
      return out;
    });
    info.result instanceof tf.Tensor ? info.result.dispose() : tf.dispose(info.result as tf.Tensor[]);
    const kernels = new Map<string, { count: number; ms: number }>();
    for (const k of info.kernels) {
      if (k.name.endsWith('__op')) continue;
      const entry = kernels.get(k.name) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      kernels.set(k.name, entry);
    }
    perRun.push(kernels);
  }
  const names = new Set(perRun.flatMap((m) => [...m.keys()]));
  return [...names]
    .map((kernel) => ({
      kernel,
      count: perRun[0]?.get(kernel)?.count ?? 0,
      ms: median(perRun.map((m) => m.get(kernel)?.ms ?? 0)),
    }))
    .sort((a, b) => b.ms - a.ms);
}
