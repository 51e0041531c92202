import type { Stage } from '../../bench/lib/jobs/job-types';
import type { BenchResults, ConfigName, WarmEntry } from '../../bench/lib/results';
import { CONFIGS } from '../../bench/lib/results';
import type { ScenarioName } from '../../bench/lib/scenario-images';
import { summarize } from '../../bench/lib/stats';

type StageMs = [decode: number, preprocess: number, inference: number];

function warm(config: ConfigName, times: Partial<Record<ScenarioName, StageMs>>): WarmEntry {
  return {
    config,
    label: CONFIGS[config],
    rssPerProcess: false,
    scenarios: Object.entries(times).map(([scenario, [d, p, i]]) => ({
      scenario: scenario as ScenarioName,
      stages: {
        decodeMs: summarize([d]),
        preprocessMs: summarize([p]),
        inferenceMs: summarize([i]),
        totalMs: summarize([d + p + i + 1]),
      } as Record<Stage, ReturnType<typeof summarize>>,
      top1: 'seashore, coast',
      maxRssBytes: 300 * 2 ** 20,
      rssAfterLoadBytes: 200 * 2 ** 20,
    })),
  };
}

/** A full run's results with round numbers: ours spends most of the 12 MP image decoding. */
export function benchResultsFixture(): BenchResults {
  return {
    version: 1,
    mode: 'full',
    startedAt: '2026-01-02T03:04:05.000Z',
    durationS: 200,
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      memoryGiB: 8,
      os: 'Linux test x64',
      node: 'v24.0.0',
      loadAverage: { start: 1, end: 1.5 },
      packages: { sharp: '0.35.5' },
      commit: 'abc1234',
    },
    model: { name: 'mobilenet_v2_1.0_224_quant', onnx: 'model.onnx' },
    scenarios: [
      {
        name: 'small',
        label: 'JPEG 0.3 MP',
        source: 'dog.jpg',
        format: 'jpeg',
        width: 640,
        height: 480,
        bytes: 1,
      },
      {
        name: 'medium',
        label: 'JPEG 2.0 MP',
        source: 'kite.jpg',
        format: 'jpeg',
        width: 1732,
        height: 1153,
        bytes: 1,
      },
      {
        name: 'large',
        label: 'JPEG 12.0 MP',
        source: 'kite.jpg',
        format: 'jpeg',
        width: 4243,
        height: 2825,
        bytes: 1,
      },
      {
        name: 'png',
        label: 'PNG 2.0 MP',
        source: 'kite.jpg',
        format: 'png',
        width: 1732,
        height: 1153,
        bytes: 1,
      },
    ],
    coldStart: [
      {
        engine: 'wasm',
        runs: [],
        wallMs: summarize([600]),
        phases: { bootMs: 80, importMs: 100, loadMs: 170, firstClassifyMs: 250 },
      },
      { engine: 'tensorflow', runs: [], error: 'backend "tensorflow" needs @tensorflow/tfjs-node' },
    ],
    warm: [
      warm('ours', { medium: [100, 10, 50], large: [1200, 40, 50] }),
      warm('sharp', { medium: [20, 5, 50], large: [30, 5, 50] }),
      warm('onnx', { medium: [100, 10, 15], large: [1200, 40, 15] }),
      warm('cpu', { medium: [100, 10, 3000] }),
    ],
    throughput: { images: 12, core: { loadMs: 200, imagesPerSecond: 8, steadyImagesPerSecond: 10 } },
    artifacts: { error: 'not measured in the fixture' },
    cost: {
      prices: { region: 'us-east-1', lambdaArch: 'x86_64', lambdaGbSecond: 0.0000166667 },
      memoryMb: 2048,
      rows: [{ config: 'ours', scenario: 'medium', durationMs: 161, usdPerMillion: 5.57 }],
      rekognitionUsdPerMillion: 1000,
    },
  };
}
