import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { moduleRequire } from '../../function/classifier';
import { median } from './stats';

/**
 * onnxruntime-node on the ONNX twin of the model's weights: same input (NHWC float32 in [-1, 1]) and output
 * ([N, 1001] probabilities) conventions as the TensorFlow.js model, so the same preprocessed pixels can go
 * to both and only the inference engine differs.
 */
export interface OnnxPeer {
  inputSize: [number, number];
  /** Scores for a batch of NHWC inputs, one row of `outputs` per image. */
  run(input: Float32Array, batch?: number): Promise<Float32Array>;
  /** Writes the profile (when enabled) and frees the session; returns the profile file, if any. */
  release(): Promise<string | undefined>;
}

export function findOnnxFile(modelDir: string): string | undefined {
  const dir = path.join(modelDir, 'onnx');
  try {
    const file = readdirSync(dir).find((f) => f.endsWith('.onnx'));
    return file && path.join(dir, file);
  } catch {
    return undefined;
  }
}

export async function createOnnxPeer(
  file: string,
  options: { threads: number; profilePrefix?: string },
): Promise<OnnxPeer> {
  // A native package: required at run time like the other native pieces, never bundled.
  const ort = moduleRequire('onnxruntime-node') as typeof Ort;
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableProfiling: options.profilePrefix !== undefined,
    // Idle worker threads spin by default, taking a core from whatever runs next (here: the other
    // variants being timed; on Lambda: the JavaScript thread on ~1.16 vCPU).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    profileFilePrefix: options.profilePrefix,
  });
  const inputName = session.inputNames[0] as string;
  const outputName = session.outputNames[0] as string;
  const meta = session.inputMetadata[0];
  const shape = meta?.isTensor ? meta.shape : [];
  const h = typeof shape[1] === 'number' ? shape[1] : 224;
  const w = typeof shape[2] === 'number' ? shape[2] : 224;
  return {
    inputSize: [h, w],
    async run(input, batch = 1) {
      const tensor = new ort.Tensor('float32', input, [batch, h, w, 3]);
      const out = await session.run({ [inputName]: tensor });
      return out[outputName]?.data as Float32Array;
    },
    async release() {
      if (options.profilePrefix !== undefined) session.endProfiling();
      await session.release();
      if (options.profilePrefix === undefined) return undefined;
      const dir = path.dirname(options.profilePrefix);
      const base = path.basename(options.profilePrefix);
      const found = readdirSync(dir).find((f) => f.startsWith(base) && f.endsWith('.json'));
      return found && path.join(dir, found);
    },
  };
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  ts?: number;
  args?: { op_name?: string };
}

export interface OpTime {
  op: string;
  count: number;
  /** Median over the profiled runs of the op's summed kernel time in one run. */
  ms: number;
}

/**
 * Per-op-type kernel time from an onnxruntime profile (Chrome trace JSON): the `*_kernel_time` events of
 * each `model_run`, summed per op type, median over the last `runs` runs.
 */
export function onnxOpTimes(profileFile: string, runs: number): { ops: OpTime[]; runMs: number } {
  const events = JSON.parse(readFileSync(profileFile, 'utf8')) as TraceEvent[];
  const modelRuns = events.filter((e) => e.name === 'model_run').slice(-runs);
  const perRun = modelRuns.map((run) => {
    const start = run.ts ?? 0;
    const end = start + (run.dur ?? 0);
    const ops = new Map<string, { count: number; us: number }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time')) continue;
      if ((e.ts ?? -1) < start || (e.ts ?? 0) > end) continue;
      const op = e.args?.op_name ?? 'unknown';
      const entry = ops.get(op) ?? { count: 0, us: 0 };
      entry.count++;
      entry.us += e.dur ?? 0;
      ops.set(op, entry);
    }
    return ops;
  });
  const names = new Set(perRun.flatMap((m) => [...m.keys()]));
  const ops = [...names].map((op) => {
    const samples = perRun.map((m) => (m.get(op)?.us ?? 0) / 1000);
    return { op, count: perRun[0]?.get(op)?.count ?? 0, ms: median(samples) };
  });
  const runMs = median(modelRuns.map((r) => (r.dur ?? 0) / 1000));
  return { ops: ops.sort((a, b) => b.ms - a.ms), runMs };
}
