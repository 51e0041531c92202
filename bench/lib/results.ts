import type { Artifact } from './artifact-sizes';
import type { CliJobsResult, CliRun } from './cli-throughput';
import type {
  AgreementRow,
  ColdStartResult,
  ProfileResult,
  Stage,
  WasmThreadsResult,
} from './jobs/job-types';
import type { TfliteVsTfjsResult } from './jobs/tflite-vs-tfjs';
import type { MachineFacts } from './machine';
import type { SweepResult } from './power-sweep';
import type { ScenarioImage, ScenarioName } from './scenario-images';
import type { StartupVariant } from './startup-variants';
import type { Summary } from './stats';

/** The configurations compared on the same images in the same run. `ours` is the product's default here. */
export const CONFIGS = {
  ours: 'ours: tfjs wasm + jimp',
  sharp: 'tfjs wasm + sharp decoder',
  onnx: 'onnxruntime-node (1 thread) + jimp',
  cpu: 'tfjs cpu backend + jimp',
  peer: 'peer: sharp shrink-on-load + onnxruntime-node (1 thread), own process',
} as const;
export type ConfigName = keyof typeof CONFIGS;

export const COLD_ENGINES = ['wasm', 'deployed', 'cpu', 'tensorflow', 'onnxruntime', 'peer'] as const;
export type ColdEngine = (typeof COLD_ENGINES)[number];

export type Failure = { error: string };
export const failed = (value: unknown): value is Failure =>
  typeof value === 'object' && value !== null && 'error' in value && typeof value.error === 'string';

export interface ColdStartEntry {
  engine: ColdEngine;
  runs: Array<ColdStartResult & { wallMs: number }>;
  /** Parent-observed spawn → first result, and the child's own phase boundaries, medians. */
  wallMs?: Summary;
  phases?: { bootMs: number; importMs: number; loadMs: number; firstClassifyMs: number };
  error?: string;
}

export interface WarmScenarioEntry {
  scenario: ScenarioName;
  stages: Record<Stage, Summary>;
  top1: string;
  maxRssBytes: number;
  rssAfterLoadBytes: number;
}

export interface WarmEntry {
  config: ConfigName;
  label: string;
  scenarios: WarmScenarioEntry[];
  /** In --quick all scenarios of a config share one process, so its peak RSS covers all of them. */
  rssPerProcess: boolean;
  error?: string;
}

export interface ThroughputResults {
  images: number;
  cli?: { runs: CliRun[]; imagesPerSecond: number; steadyImagesPerSecond: number } | Failure;
  core?: { loadMs: number; imagesPerSecond: number; steadyImagesPerSecond: number } | Failure;
  /** `classify --jobs 1` and `--jobs 2` on the same photos cycled to about 40 files. */
  cliJobs?: CliJobsResult | Failure;
}

export interface CostRow {
  config: ConfigName | 'original';
  scenario: ScenarioName | 'original';
  durationMs: number;
  usdPerMillion: number;
}

export interface BenchResults {
  version: 1;
  mode: 'full' | 'quick';
  startedAt: string;
  durationS: number;
  machine: MachineFacts;
  /** `deployed`: where in the model folder the format ours runs is (the TFLite file's folder, or `.`). */
  model: { name: string; onnx?: string; deployed?: string };
  scenarios: Array<Omit<ScenarioImage, 'file'>>;
  coldStart: ColdStartEntry[];
  warm: WarmEntry[];
  profile?: ProfileResult | Failure;
  wasmThreads?: WasmThreadsResult | Failure;
  /** The TensorFlow Lite importer beside the TF.js layers twin of the same weights. */
  tfliteVsTfjs?: TfliteVsTfjsResult | Failure;
  agreement?: AgreementRow[] | Failure;
  throughput: ThroughputResults;
  artifacts: { entry: string; bundleOptions: string; items: Artifact[]; zipped: boolean } | Failure;
  /** Init of the function bundle with and without source maps and minification (full runs only). */
  startup?: StartupVariant[] | Failure;
  /** The simulated power-tuning sweep (full runs only). */
  sweep?: SweepResult;
  cost: {
    prices: Record<string, string | number>;
    memoryMb: number;
    rows: CostRow[];
    rekognitionUsdPerMillion: number;
  };
}
