import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryForPixelsMb, TEMPLATE_DEFAULT_MAX_PIXELS } from '../../scripts/lib/memory-for-pixels';
import type { BenchOptions } from './args';
import { measureArtifacts } from './artifact-sizes';
import { ChildFailedError, type ChildRun, runJob } from './child-process';
import { type CliRun, cliExists, imageFiles, measureCliJobs, repeatedTo, runCli } from './cli-throughput';
import { lambdaCostPerMillion, MEMORY_MB, PRICES, rekognitionCostPerMillion } from './cost';
import type {
  AgreementRow,
  ColdStartJob,
  ColdStartResult,
  CoreThroughputResult,
  Engine,
  ProfileResult,
  Stage,
  WarmImage,
  WarmResult,
  WasmThreadsResult,
} from './jobs/job-types';
import { STAGES } from './jobs/job-types';
import { hasTfliteTwin, type TfliteVsTfjsResult } from './jobs/tflite-vs-tfjs';
import { machineFacts } from './machine';
import { findOnnxFile } from './onnx-peer';
import { powerSweep } from './power-sweep';
import {
  type BenchResults,
  CONFIGS,
  type ColdEngine,
  type ColdStartEntry,
  type ConfigName,
  type CostRow,
  type Failure,
  failed,
  type ThroughputResults,
  type WarmEntry,
} from './results';
import { prepareScenarioImages, type ScenarioImage, type ScenarioName } from './scenario-images';
import { measureStartupVariants } from './startup-variants';
import { median, summarize } from './stats';
import {
  buildColdStartWorkers,
  buildWorker,
  type ColdStartBundles,
  type WorkerBundle,
} from './worker-bundle';

export type Log = (line: string) => void;

/** Where the worker's and the function bundle's esbuild options come from, as the report names it. */
const BUNDLE_OPTIONS_SOURCE = 'scripts/lib/bundle-options.ts';

/** Repeats per mode: full keeps the whole run to a few minutes on 2 cores; quick stays under a minute. */
const PLAN = {
  full: {
    cold: { wasm: 5, deployed: 5, cpu: 3, onnxruntime: 5, peer: 5 },
    warm: {
      small: { warmup: 3, repeats: 30 },
      medium: { warmup: 2, repeats: 15 },
      large: { warmup: 1, repeats: 8 },
      png: { warmup: 2, repeats: 10 },
    },
    cpuWarm: { warmup: 1, repeats: 3 },
    cpuScenarios: ['small', 'medium', 'large', 'png'] as ScenarioName[],
    profileRuns: 20,
    tflitePairs: 40,
    cliRuns: 3,
    cliJobs: { images: 40, runs: 3 },
    zip: true,
  },
  quick: {
    cold: { wasm: 1, deployed: 1, cpu: 1, onnxruntime: 1, peer: 1 },
    warm: {
      small: { warmup: 1, repeats: 3 },
      medium: { warmup: 1, repeats: 3 },
      large: { warmup: 0, repeats: 2 },
      png: { warmup: 0, repeats: 2 },
    },
    cpuWarm: { warmup: 0, repeats: 1 },
    cpuScenarios: ['small'] as ScenarioName[],
    profileRuns: 5,
    tflitePairs: 20,
    cliRuns: 1,
    cliJobs: { images: 12, runs: 1 },
    zip: false,
  },
} as const;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function attempt<T>(log: Log, what: string, fn: () => Promise<T>): Promise<T | Failure> {
  try {
    return await fn();
  } catch (error) {
    log(`  ${what} failed: ${message(error)}`);
    return { error: message(error) };
  }
}

function engineFor(config: ConfigName): Engine {
  switch (config) {
    case 'ours':
      return { engine: 'tfjs', backend: 'wasm', decoder: 'jimp' };
    case 'sharp':
      return { engine: 'tfjs', backend: 'wasm', decoder: 'sharp' };
    case 'cpu':
      return { engine: 'tfjs', backend: 'cpu', decoder: 'jimp' };
    case 'onnx':
      return { engine: 'onnx', threads: 1 };
    case 'peer':
      return { engine: 'peer' };
  }
}

async function coldStarts(
  workers: ColdStartBundles,
  options: BenchOptions,
  onnxFile: string | undefined,
  image: string,
  log: Log,
): Promise<ColdStartEntry[]> {
  const plan = PLAN[options.quick ? 'quick' : 'full'].cold;
  const engines: Array<[ColdEngine, number]> = [
    ['wasm', plan.wasm],
    // As deployed: Decoder=auto with the decoder layer, i.e. sharp.
    ['deployed', plan.deployed],
    ['cpu', plan.cpu],
    // Not installable here (its install downloads libtensorflow): one attempt records why.
    ['tensorflow', 1],
    ['onnxruntime', onnxFile ? plan.onnxruntime : 0],
    ['peer', onnxFile ? plan.peer : 0],
  ];
  const base = { kind: 'cold-start' as const, modelDir: options.modelDir, onnxFile, image };
  // Loaded as the function loads in an on-demand init: without the warm-up inference, which the request
  // waiting on that init would pay on top of its own first inference (function/lambda/config.ts).
  const ours = { ...base, modelDir: options.deployedModelDir, warmUp: false };
  const jobOf = (engine: ColdEngine): ColdStartJob =>
    engine === 'onnxruntime'
      ? { ...base, engine: 'onnx', threads: 1 }
      : engine === 'peer'
        ? { ...base, engine: 'peer' }
        : engine === 'deployed'
          ? { ...ours, engine: 'tfjs', backend: 'wasm', decoder: 'auto' }
          : { ...ours, engine: 'tfjs', backend: engine, decoder: 'jimp' };
  const bundleOf = (job: ColdStartJob): WorkerBundle =>
    job.engine === 'tfjs' ? workers.tfjs : job.engine === 'onnx' ? workers.onnx : workers.peer;
  const state = new Map(
    engines
      .filter(([, repeats]) => repeats > 0)
      .map(([engine, repeats]) => [
        engine,
        { repeats, runs: [] as ColdStartEntry['runs'], error: undefined as string | undefined },
      ]),
  );
  // Round-robin (wasm, deployed, cpu, …, then again): the load of a shared machine drifts over minutes,
  // so engines measured one after another in blocks were compared across different loads (ratios moved
  // by ±30 % between runs); interleaved, each round sees the same load.
  const rounds = Math.max(0, ...[...state.values()].map((s) => s.repeats));
  for (let i = 0; i < rounds; i++) {
    for (const [engine, s] of state) {
      if (i >= s.repeats || s.error) continue;
      log(`cold start ${engine} ${i + 1}/${s.repeats}`);
      try {
        const job = jobOf(engine);
        const run: ChildRun<ColdStartResult> = await runJob(bundleOf(job), job, 120_000);
        s.runs.push({ ...run.result, wallMs: run.wallMs });
      } catch (e) {
        s.error = e instanceof ChildFailedError ? e.detail : message(e);
        log(`  ${engine}: ${s.error}`);
      }
    }
  }
  const entries: ColdStartEntry[] = [];
  for (const [engine, { runs, error }] of state) {
    const entry: ColdStartEntry = { engine, runs, error };
    if (runs.length) {
      entry.wallMs = summarize(runs.map((r) => r.wallMs));
      entry.phases = {
        bootMs: median(runs.map((r) => r.entryMs)),
        importMs: median(runs.map((r) => r.importedMs - r.entryMs)),
        loadMs: median(runs.map((r) => r.loadedMs - r.importedMs)),
        firstClassifyMs: median(runs.map((r) => r.firstResultMs - r.loadedMs)),
      };
    }
    entries.push(entry);
  }
  return entries;
}

async function warmLatency(
  worker: WorkerBundle,
  options: BenchOptions,
  onnxFile: string | undefined,
  scenarios: ScenarioImage[],
  log: Log,
): Promise<WarmEntry[]> {
  const plan = PLAN[options.quick ? 'quick' : 'full'];
  const configs = (Object.keys(CONFIGS) as ConfigName[]).filter(
    (c) => (c !== 'onnx' && c !== 'peer') || onnxFile,
  );
  const entries = new Map<ConfigName, WarmEntry>(
    configs.map((config) => [
      config,
      { config, label: CONFIGS[config], scenarios: [], rssPerProcess: options.quick },
    ]),
  );
  const imagesFor = (config: ConfigName, chosen: ScenarioImage[]): WarmImage[] =>
    chosen
      .filter((s) => config !== 'cpu' || plan.cpuScenarios.includes(s.name))
      .map((s) => ({ name: s.name, file: s.file, ...(config === 'cpu' ? plan.cpuWarm : plan.warm[s.name]) }));
  // Full runs: one process per scenario, so each peak RSS belongs to one image, and scenario by scenario
  // with the configurations side by side, so the ones compared run minutes apart at most. --quick shares
  // one process per configuration to save start-ups.
  const tasks: Array<[ConfigName, WarmImage[]]> = options.quick
    ? configs.map((config) => [config, imagesFor(config, scenarios)])
    : scenarios.flatMap((scenario) =>
        configs.map((config): [ConfigName, WarmImage[]] => [config, imagesFor(config, [scenario])]),
      );
  for (const [config, images] of tasks) {
    const entry = entries.get(config) as WarmEntry;
    if (images.length === 0) continue;
    log(`warm ${config}: ${images.map((b) => `${b.name} ×${b.repeats}`).join(', ')}`);
    try {
      const engine = engineFor(config);
      const job = {
        kind: 'warm' as const,
        modelDir: engine.engine === 'tfjs' ? options.deployedModelDir : options.modelDir,
        onnxFile,
        images,
        ...engine,
      };
      const { result } = await runJob<WarmResult>(worker, job, 600_000);
      for (const image of result.images) {
        entry.scenarios.push({
          scenario: image.name as ScenarioName,
          stages: Object.fromEntries(STAGES.map((s) => [s, summarize(image.samples[s])])) as Record<
            Stage,
            ReturnType<typeof summarize>
          >,
          top1: image.top1,
          maxRssBytes: result.maxRssBytes,
          rssAfterLoadBytes: result.rssAfterLoadBytes,
        });
      }
    } catch (error) {
      entry.error = message(error);
      log(`  ${config}: ${entry.error}`);
    }
  }
  return [...entries.values()];
}

async function throughput(worker: WorkerBundle, options: BenchOptions, log: Log): Promise<ThroughputResults> {
  const dirs = [options.photosDir, options.labelledDir].filter((d): d is string => !!d);
  const files = imageFiles(dirs);
  const result: ThroughputResults = { images: files.length };
  log(`throughput: core loop over ${files.length} images`);
  result.core = await attempt(log, 'core throughput', async () => {
    const { result: r } = await runJob<CoreThroughputResult>(worker, {
      kind: 'core-throughput',
      modelDir: options.deployedModelDir,
      files,
    });
    const classify = r.classifyMs.reduce((a, b) => a + b, 0);
    return {
      loadMs: r.loadMs,
      imagesPerSecond: (files.length * 1000) / (r.loadMs + classify),
      steadyImagesPerSecond: (files.length * 1000) / classify,
    };
  });
  if (!cliExists()) {
    result.cli = { error: 'scripts/classify.ts is absent: only the core loop was measured' };
    return result;
  }
  result.cli = await attempt(log, 'CLI throughput', async () => {
    const runs: CliRun[] = [];
    for (let i = 0; i < PLAN[options.quick ? 'quick' : 'full'].cliRuns; i++) {
      log(`throughput: CLI run ${i + 1} over ${files.length} images`);
      runs.push(await runCli(dirs, options.deployedModelDir));
    }
    return {
      runs,
      imagesPerSecond: median(runs.map((r) => (r.images * 1000) / r.wallMs)),
      steadyImagesPerSecond: median(runs.map((r) => ((r.images - 1) * 1000) / r.firstToLastMs)),
    };
  });
  const plan = PLAN[options.quick ? 'quick' : 'full'].cliJobs;
  const set = repeatedTo(files, plan.images);
  log(`throughput: classify --jobs 1 and 2 over ${set.length} files, ${plan.runs} run(s) each`);
  result.cliJobs = await attempt(log, 'CLI --jobs throughput', () =>
    measureCliJobs(set, options.deployedModelDir, [1, 2], plan.runs, log),
  );
  return result;
}

function costRows(warm: WarmEntry[]): CostRow[] {
  const rows: CostRow[] = [];
  for (const entry of warm) {
    for (const s of entry.scenarios) {
      const durationMs = s.stages.totalMs.median;
      rows.push({
        config: entry.config,
        scenario: s.scenario,
        durationMs,
        usdPerMillion: lambdaCostPerMillion(durationMs),
      });
    }
  }
  // The original Python system: about 8 s of Lambda time per image at 2048 MB.
  rows.push({
    config: 'original',
    scenario: 'original',
    durationMs: 8000,
    usdPerMillion: lambdaCostPerMillion(8000),
  });
  return rows;
}

/** Runs every measurement in order, one child process at a time, and returns the results. */
export async function runBench(options: BenchOptions, print: Log): Promise<BenchResults> {
  const started = new Date();
  const t0 = performance.now();
  const machine = machineFacts();
  // Sampled at every step: the report says how busy the machine got.
  const log: Log = (line) => {
    machine.loadAverage.peak = Math.max(machine.loadAverage.peak ?? 0, os.loadavg()[0] ?? 0);
    print(line);
  };
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'lambdavision-bench-'));
  try {
    const onnxFile = options.onnxFile ?? findOnnxFile(options.modelDir);
    log(`building the child worker (esbuild, options from ${BUNDLE_OPTIONS_SOURCE})`);
    const worker = await buildWorker(tmpDir);
    log('preparing scenario images');
    const scenarios = await prepareScenarioImages(options.photosDir, options.quick);
    const medium = scenarios.find((s) => s.name === 'medium') ?? (scenarios[0] as ScenarioImage);

    log('building a cold-start bundle per engine');
    const coldWorkers = await buildColdStartWorkers(tmpDir);
    const coldStart = await coldStarts(coldWorkers, options, onnxFile, medium.file, log);
    const warm = await warmLatency(worker, options, onnxFile, scenarios, log);

    log('per-op profile: wasm kernels vs onnxruntime');
    const profile = await attempt(log, 'profile', async () => {
      const job = {
        kind: 'profile' as const,
        modelDir: options.modelDir,
        onnxFile,
        runs: PLAN[options.quick ? 'quick' : 'full'].profileRuns,
        tmpDir,
      };
      return (await runJob<ProfileResult>(worker, job)).result;
    });
    log('wasm threads probe');
    const wasmThreads = await attempt(log, 'wasm threads probe', async () => {
      return (await runJob<WasmThreadsResult>(worker, { kind: 'wasm-threads', modelDir: options.modelDir }))
        .result;
    });
    const tfliteVsTfjs = hasTfliteTwin(options.modelDir)
      ? await attempt(log, 'TFLite importer vs TF.js twin', async () => {
          log('TFLite importer vs its TF.js layers twin (wasm, same weights)');
          const job = {
            kind: 'tflite-vs-tfjs' as const,
            modelDir: options.modelDir,
            image: medium.file,
            runs: PLAN[options.quick ? 'quick' : 'full'].tflitePairs,
          };
          const { result } = await runJob<TfliteVsTfjsResult>(worker, job);
          const { inferenceMs: ms, pairRatio: pair } = result;
          log(
            `  TFLite ${ms.tflite.toFixed(1)} ms vs twin ${ms.tfjs.toFixed(1)} ms (medians of ${result.pairs} alternating pairs): ratio ${result.ratio.toFixed(2)}, per-pair ratio median ${pair.median.toFixed(2)} (quartiles ${pair.p25.toFixed(2)}–${pair.p75.toFixed(2)})`,
          );
          return result;
        })
      : undefined;
    const agreementImages = imageFiles(
      [options.labelledDir, options.quick ? undefined : options.photosDir].filter((d): d is string => !!d),
    );
    log(`top-1 agreement on ${agreementImages.length} images`);
    const agreement = await attempt(log, 'agreement', async () => {
      const job = {
        kind: 'agreement' as const,
        modelDir: options.modelDir,
        onnxFile,
        images: agreementImages,
      };
      return (await runJob<AgreementRow[]>(worker, job)).result;
    });

    const throughputResults = await throughput(worker, options, log);

    const startup = options.quick
      ? undefined
      : await attempt(log, 'bundle start-up variants', async () => {
          log('bundle start-up: source maps and minification');
          return measureStartupVariants(tmpDir, options.deployedModelDir, 5);
        });

    // Last: it runs the deployed pipeline under CPU quotas, in cgroups made and removed here. Fifteen
    // warm-ups an image: a warm container has classified many, and under 0.87 vCPU the runs after the load
    // take a dozen images to settle (V8 tiers wasm up in background threads that share the quota: 2 MP runs
    // 6-12 measured 37-67 ms, later ones alternate 35 and 50 as the quota runs out every other run). Eleven
    // measured runs, for the median of that alternation.
    const sweep = options.quick
      ? undefined
      : await powerSweep(
          worker,
          options.deployedModelDir,
          scenarios,
          {
            decoder: 'auto',
            warmup: 15,
            repeats: 11,
            minimumMb: Math.ceil(memoryForPixelsMb(TEMPLATE_DEFAULT_MAX_PIXELS)),
            minimumWhy: `what the template's default MaxPixels, ${TEMPLATE_DEFAULT_MAX_PIXELS / 1e6} MP, needs with the jimp fallback`,
          },
          log,
        );

    const zip = PLAN[options.quick ? 'quick' : 'full'].zip;
    log(`artifact sizes${zip ? ' (zipping)' : ' (unzipped only in --quick)'}`);
    const artifacts = await attempt(log, 'artifact sizes', async () => {
      const { artifacts: items, entry } = await measureArtifacts(options.deployedModelDir, tmpDir, {
        zip,
        onnxFile,
      });
      return { entry, bundleOptions: BUNDLE_OPTIONS_SOURCE, items, zipped: zip };
    });

    machine.loadAverage.end = os.loadavg()[0];
    return {
      version: 1,
      mode: options.quick ? 'quick' : 'full',
      startedAt: started.toISOString(),
      durationS: Math.round((performance.now() - t0) / 100) / 10,
      machine,
      model: {
        name: path.basename(options.modelDir),
        onnx: onnxFile && path.basename(onnxFile),
        deployed: path.relative(options.modelDir, options.deployedModelDir) || '.',
      },
      scenarios: scenarios.map(({ file: _file, ...rest }) => rest),
      coldStart,
      warm,
      profile,
      wasmThreads,
      tfliteVsTfjs,
      agreement: failed(agreement) || agreement.length ? agreement : undefined,
      throughput: throughputResults,
      artifacts,
      startup,
      sweep,
      cost: {
        prices: { ...PRICES },
        memoryMb: MEMORY_MB,
        rows: costRows(warm),
        rekognitionUsdPerMillion: rekognitionCostPerMillion(),
      },
    };
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
