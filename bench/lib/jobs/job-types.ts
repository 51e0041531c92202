import type { BackendChoice, BackendName, DecoderChoice } from '../../../function/classifier';
import type { KernelTime } from '../kernel-profile';
import type { OpTime } from '../onnx-peer';
import type { TfliteVsTfjsJob, TfliteVsTfjsResult } from './tflite-vs-tfjs';

/** What a child process is asked to do; passed as JSON on its command line. */
export type Job =
  | ColdStartJob
  | WarmJob
  | ProfileJob
  | AgreementJob
  | WasmThreadsJob
  | CoreThroughputJob
  | TfliteVsTfjsJob;

export type Engine =
  | { engine: 'tfjs'; backend: BackendChoice; decoder: DecoderChoice }
  | { engine: 'onnx'; threads: number }
  /** sharp + onnxruntime-node in a process of its own (bench/lib/peer-classifier.ts). */
  | { engine: 'peer' };

export type ColdStartJob = {
  kind: 'cold-start';
  modelDir: string;
  onnxFile?: string;
  image: string;
  /** TF.js engines: loadClassifier's warmUp (the function skips it in an on-demand init). */
  warmUp?: boolean;
} & Engine;

export interface WarmImage {
  name: string;
  file: string;
  warmup: number;
  repeats: number;
}

export type WarmJob = { kind: 'warm'; modelDir: string; onnxFile?: string; images: WarmImage[] } & Engine;

export interface ProfileJob {
  kind: 'profile';
  modelDir: string;
  onnxFile?: string;
  runs: number;
  /** Folder for onnxruntime's profile file. */
  tmpDir: string;
}

export interface AgreementJob {
  kind: 'agreement';
  modelDir: string;
  onnxFile?: string;
  images: string[];
}

export interface WasmThreadsJob {
  kind: 'wasm-threads';
  modelDir: string;
}

export interface CoreThroughputJob {
  kind: 'core-throughput';
  modelDir: string;
  files: string[];
}

export type Stage = 'decodeMs' | 'preprocessMs' | 'inferenceMs' | 'totalMs';
export const STAGES: readonly Stage[] = ['decodeMs', 'preprocessMs', 'inferenceMs', 'totalMs'];

export interface ColdStartResult {
  backend: BackendName | 'onnxruntime';
  /** Modules loaded when the first result was out, by package: what the process holds. */
  loaded?: { tfjs: boolean; sharp: boolean; onnxruntime: boolean };
  /** Milliseconds since the child process started (performance.timeOrigin). */
  entryMs: number;
  importedMs: number;
  loadedMs: number;
  firstResultMs: number;
  top1: string;
}

export interface WarmImageResult {
  name: string;
  width: number;
  height: number;
  bytes: number;
  samples: Record<Stage, number[]>;
  top1: string;
}

export interface WarmResult {
  backend: BackendName | 'onnxruntime';
  images: WarmImageResult[];
  rssAfterLoadBytes: number;
  /** process.resourceUsage().maxRSS: the process's peak resident set, in bytes. */
  maxRssBytes: number;
}

export interface ProfileResult {
  wasm: {
    predictMs: number;
    time: { kernelMs: number; wallMs: number };
    kernels: KernelTime[];
    fused?: { predictMs: number; kernels: KernelTime[]; maxAbsDiff: number } | { error: string };
    /** The unchanged layers model with relu6 as the single Relu6 kernel instead of Relu + Minimum. */
    relu6Kernel: { predictMs: number; maxAbsDiff: number };
    batch4PerImageMs: number;
  };
  onnx?: {
    threads1Ms: number;
    threads2Ms: number;
    batch4PerImageMs: number;
    ops: OpTime[];
    profiledRunMs: number;
    maxAbsDiff: number;
  };
}

export interface AgreementRow {
  image: string;
  ours: { classId: number; label: string; probability: number };
  sharp: { classId: number; label: string; probability: number };
  onnx?: { classId: number; label: string; probability: number; maxAbsDiff: number };
  fused?: { classId: number; maxAbsDiff: number };
}

export interface WasmThreadsResult {
  ok: boolean;
  threads?: number;
  /** Why the threaded build did not start. */
  reason?: string;
}

export interface CoreThroughputResult {
  loadMs: number;
  classifyMs: number[];
}

export type JobResult =
  | ColdStartResult
  | WarmResult
  | ProfileResult
  | AgreementRow[]
  | WasmThreadsResult
  | CoreThroughputResult
  | TfliteVsTfjsResult;
