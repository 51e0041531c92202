import { type Artifact, LAMBDA_LIMITS } from './artifact-sizes';
import { type CliJobsResult, cliJobsTable } from './cli-throughput';
import { rekognitionCostPerMillion } from './cost';
import type { AgreementRow, ProfileResult, Stage } from './jobs/job-types';
import {
  type BenchResults,
  CONFIGS,
  type ConfigName,
  type Failure,
  failed,
  type WarmEntry,
  type WarmScenarioEntry,
} from './results';
import type { ScenarioName } from './scenario-images';
import { ratio } from './stats';

const MB = 1024 * 1024;
const ms = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v)
    ? '–'
    : v >= 100
      ? v.toFixed(0)
      : v >= 10
        ? v.toFixed(1)
        : v.toFixed(2);
const x = (r: number): string => (Number.isFinite(r) ? `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×` : '–');
const mb = (bytes: number | undefined): string => (bytes === undefined ? '–' : (bytes / MB).toFixed(1));
const usd = (v: number): string => `$${v >= 100 ? v.toFixed(0) : v.toFixed(2)}`;
const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(0)} %`;
const STAGE_NAMES: Record<Exclude<Stage, 'totalMs'>, string> = {
  decodeMs: 'decode',
  preprocessMs: 'preprocess',
  inferenceMs: 'inference',
};

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function scenarioOf(
  results: BenchResults,
  config: ConfigName,
  scenario: ScenarioName,
): WarmScenarioEntry | undefined {
  return results.warm.find((w) => w.config === config)?.scenarios.find((s) => s.scenario === scenario);
}

function scenarioLabel(results: BenchResults, scenario: ScenarioName): string {
  return results.scenarios.find((s) => s.name === scenario)?.label ?? scenario;
}

/** The stage taking most of the median time, for one configuration and scenario. */
export function slowestStage(entry: WarmScenarioEntry): { stage: string; ms: number; share: number } {
  const stages = Object.keys(STAGE_NAMES) as Array<keyof typeof STAGE_NAMES>;
  const worst = stages.reduce((a, b) => (entry.stages[b].median > entry.stages[a].median ? b : a));
  const value = entry.stages[worst].median;
  return { stage: STAGE_NAMES[worst], ms: value, share: value / entry.stages.totalMs.median };
}

function headline(results: BenchResults): string[] {
  const out: string[] = [];
  const large = scenarioOf(results, 'ours', 'large');
  const medium = scenarioOf(results, 'ours', 'medium');
  if (medium) {
    out.push(
      `- **Warm latency, ours (tfjs wasm + jimp):** median ${ms(medium.stages.totalMs.median)} ms for the ${scenarioLabel(results, 'medium')}` +
        (large ? `, ${ms(large.stages.totalMs.median)} ms for the ${scenarioLabel(results, 'large')}.` : '.'),
    );
  }
  if (large) {
    const slow = slowestStage(large);
    out.push(
      `- **Slowest stage for the ${scenarioLabel(results, 'large')}: ${slow.stage}**, ${ms(slow.ms)} ms median = ${pct(slow.share, 1)} of the total.`,
    );
  }
  for (const peer of ['sharp', 'onnx', 'cpu'] as const) {
    const parts: string[] = [];
    for (const scenario of ['medium', 'large'] as const) {
      const ours = scenarioOf(results, 'ours', scenario);
      const theirs = scenarioOf(results, peer, scenario);
      if (!ours || !theirs) continue;
      const stage: Stage = peer === 'sharp' ? 'decodeMs' : 'inferenceMs';
      parts.push(
        `${scenarioLabel(results, scenario)}: total ${x(ratio(theirs.stages.totalMs.median, ours.stages.totalMs.median))}, ` +
          `${STAGE_NAMES[stage as keyof typeof STAGE_NAMES]} ${x(ratio(theirs.stages[stage].median, ours.stages[stage].median))}`,
      );
    }
    if (parts.length)
      out.push(`- **${CONFIGS[peer]}** as a ratio to ours (below 1× = faster): ${parts.join('; ')}.`);
  }
  const wasm = results.coldStart.find((c) => c.engine === 'wasm');
  if (wasm?.wallMs) {
    const others = results.coldStart
      .filter((c) => c.engine !== 'wasm' && c.wallMs)
      .map((c) => `${c.engine} ${x(ratio(c.wallMs?.median, wasm.wallMs?.median))}`);
    out.push(
      `- **Cold start** (fresh process → first result), wasm: median ${ms(wasm.wallMs.median)} ms` +
        (others.length ? `; as a ratio: ${others.join(', ')}.` : '.'),
    );
  }
  const costMedium = results.cost.rows.find((r) => r.config === 'ours' && r.scenario === 'medium');
  const costLarge = results.cost.rows.find((r) => r.config === 'ours' && r.scenario === 'large');
  const costSharpLarge = results.cost.rows.find((r) => r.config === 'sharp' && r.scenario === 'large');
  const sweep =
    results.sweep && !failed(results.sweep) && !('skipped' in results.sweep) ? results.sweep : undefined;
  const chosen = sweep?.points.find((p) => p.memoryMb === sweep.chosenMb);
  if (chosen) {
    const price = chosen.usdPerMillion.x86_64;
    out.push(
      `- **Cost per million images as deployed**, at the sweep's choice of ${chosen.memoryMb} MB under its CPU share: ` +
        `${usd(price.medium ?? Number.NaN)} (2 MP), ${usd(price.large ?? Number.NaN)} (12 MP) on x86_64 vs ${usd(rekognitionCostPerMillion())} for Rekognition DetectLabels.`,
    );
  }
  if (costMedium) {
    out.push(
      `- **Cost per million images with jimp** (warm, unthrottled, priced at 2048 MB): ${usd(costMedium.usdPerMillion)} (2 MP)` +
        (costLarge ? `, ${usd(costLarge.usdPerMillion)} (12 MP)` : '') +
        (costSharpLarge ? `; ${usd(costSharpLarge.usdPerMillion)} for 12 MP with sharp` : '') +
        ` vs ${usd(rekognitionCostPerMillion())} for Rekognition DetectLabels.`,
    );
  }
  return out;
}

/** Conclusions the numbers of this run support, each with the numbers that support it. */
function recommendations(results: BenchResults): string[] {
  const out: string[] = [];
  const artifacts = failed(results.artifacts) ? [] : results.artifacts.items;
  const sharpLayer = artifacts.find((a) => a.name.startsWith('sharp'));
  const wasmLayer = artifacts.find((a) => a.name.startsWith('TensorFlow.js wasm layer'));
  const ortLayer = artifacts.find((a) => a.name.startsWith('onnxruntime'));
  const agreement = results.agreement && !failed(results.agreement) ? results.agreement : undefined;
  const speedups = (['medium', 'large'] as const).flatMap((scenario) => {
    const ours = scenarioOf(results, 'ours', scenario);
    const sharp = scenarioOf(results, 'sharp', scenario);
    return ours && sharp
      ? [
          {
            label: scenarioLabel(results, scenario),
            total: ours.stages.totalMs.median / sharp.stages.totalMs.median,
            rss: ratio(sharp.maxRssBytes, ours.maxRssBytes),
          },
        ]
      : [];
  });
  if (speedups.length) {
    const same = agreement ? agreement.filter((r) => r.sharp.classId === r.ours.classId).length : undefined;
    out.push(
      `1. **Decode with sharp where the sharp layer can be attached.** It is ${speedups.map((s) => `${s.total.toFixed(1)}× faster end to end on the ${s.label}`).join(' and ')}` +
        `, with peak RSS at ${speedups.map((s) => x(s.rss)).join(' and ')} of ours` +
        (same !== undefined ? `, and the same top-1 on ${same}/${agreement?.length} images` : '') +
        `. The function takes it with \`Decoder=auto\` (the default) wherever the decoder layer is attached, as do the CLI, dev loop and backfill where sharp is installed; jimp stays the portable fallback (pure JavaScript, any architecture, hardened for hostile input), ` +
        `while sharp is native code for one platform` +
        (sharpLayer
          ? ` and a ${mb(sharpLayer.bytes)} MB layer (${mb(sharpLayer.zippedBytes)} MB zipped) that must match the function's architecture.`
          : '.'),
    );
  }
  const profile = results.profile && !failed(results.profile) ? results.profile : undefined;
  if (profile) {
    const kernelMs = profile.wasm.kernels.reduce((sum, k) => sum + k.ms, 0);
    const relu6Ms = profile.wasm.kernels
      .filter((k) => k.kernel === 'Minimum' || k.kernel === 'Relu')
      .reduce((sum, k) => sum + k.ms, 0);
    out.push(
      `2. **Run relu6 as one kernel.** tfjs-layers' \`minimum(6, relu(x))\` takes ${pct(relu6Ms, kernelMs)} of the wasm kernel time; registering relu6 as the Relu6 kernel before the model loads takes inference to ${x(ratio(profile.wasm.relu6Kernel.predictMs, profile.wasm.predictMs))} with identical outputs. The core does this since it was measured (\`function/classifier/single-kernel-relu6.ts\`): the warm-latency rows of ours include it; the profile below shows stock tfjs-layers.`,
    );
    if (profile.onnx) {
      out.push(
        `3. **onnxruntime-node is the faster engine** (${x(ratio(profile.onnx.threads1Ms, profile.wasm.predictMs))} of stock tfjs-layers wasm inference, ${x(ratio(profile.onnx.threads1Ms, profile.wasm.relu6Kernel.predictMs))} with the relu6 kernel the core uses), ` +
          `but on a large JPEG the decode dominates, and it needs an ONNX twin of every model` +
          (ortLayer && wasmLayer
            ? ` and a ${mb(ortLayer.bytes)} MB layer instead of ${mb(wasmLayer.bytes)} MB.`
            : '.'),
      );
    }
  }
  return out;
}

function warmTable(results: BenchResults, entry: WarmEntry): string {
  const rows = entry.scenarios.map((s) => [
    scenarioLabel(results, s.scenario),
    ...(['decodeMs', 'preprocessMs', 'inferenceMs', 'totalMs'] as Stage[]).map(
      (stage) => `${ms(s.stages[stage].median)} / ${ms(s.stages[stage].p95)}`,
    ),
    String(s.stages.totalMs.n),
    mb(s.maxRssBytes),
    s.top1.split(',')[0] ?? '',
  ]);
  return table(
    [
      'image',
      'decode',
      'preprocess',
      'inference',
      'total',
      'n',
      `peak RSS MB${entry.rssPerProcess ? ' (all images)' : ''}`,
      'top-1',
    ],
    rows,
  );
}

/** Ours as deployed (and with jimp) against the right peer, and the issue's targets, from this run. */
function deployedVsPeerSection(results: BenchResults): string[] {
  const rows: string[][] = [];
  for (const config of ['sharp', 'ours'] as const) {
    for (const scenario of results.scenarios.map((s) => s.name)) {
      const ours = scenarioOf(results, config, scenario);
      const peer = scenarioOf(results, 'peer', scenario);
      if (!ours || !peer) continue;
      const r = (stage: Stage) => x(ratio(ours.stages[stage].median, peer.stages[stage].median));
      rows.push([
        config === 'sharp' ? 'as deployed (sharp)' : 'jimp',
        scenarioLabel(results, scenario),
        `${ms(ours.stages.totalMs.median)} / ${ms(peer.stages.totalMs.median)}`,
        r('totalMs'),
        r('decodeMs'),
        r('preprocessMs'),
        r('inferenceMs'),
        `${mb(ours.maxRssBytes)} / ${mb(peer.maxRssBytes)}`,
        x(ratio(ours.maxRssBytes, peer.maxRssBytes)),
      ]);
    }
  }
  if (rows.length === 0) return ['Not measured: the peer needs an ONNX twin of the model (--onnx).'];
  const cold = (engine: string) => results.coldStart.find((c) => c.engine === engine)?.wallMs?.median;
  const deployedCold = cold('deployed');
  const peerCold = cold('peer');
  const peerLoaded = results.coldStart.find((c) => c.engine === 'peer')?.runs[0]?.loaded;
  const at = (scenario: ScenarioName) => {
    const ours = scenarioOf(results, 'sharp', scenario);
    const peer = scenarioOf(results, 'peer', scenario);
    return ours && peer ? ratio(ours.stages.totalMs.median, peer.stages.totalMs.median) : Number.NaN;
  };
  const large = scenarioOf(results, 'sharp', 'large');
  return [
    'The peer is the best pipeline a user could assemble from npm: sharp decodes with shrink-on-load straight to 224×224, a loop scales to [-1, 1], and onnxruntime-node (one thread, idle spinning off) runs the ONNX twin of the same weights, in a process of its own that loads neither TensorFlow.js nor jimp' +
      (peerLoaded
        ? ` (checked in its cold-start process: TF.js loaded: ${peerLoaded.tfjs ? 'yes' : 'no'})`
        : '') +
      '. Ratios are ours ÷ peer (above 1× we are slower); times and RSS are ours / peer.',
    '',
    table(
      ['ours', 'image', 'total ms', 'total', 'decode', 'preprocess', 'inference', 'peak RSS MB', 'RSS'],
      rows,
    ),
    '',
    `Cold start (fresh process → first result, 2 MP JPEG): as deployed ${ms(deployedCold)} ms, peer ${ms(peerCold)} ms: ${x(ratio(deployedCold ?? Number.NaN, peerCold ?? Number.NaN))}.`,
    '',
    'Targets (as deployed):',
    `- end to end at most 2× the peer at 2 MP and 12 MP: ${x(at('medium'))} and ${x(at('large'))}.`,
    `- cold start at most 1.5× the peer's: ${x(ratio(deployedCold ?? Number.NaN, peerCold ?? Number.NaN))}.`,
    `- peak RSS under 300 MB for the ${scenarioLabel(results, 'large')}: ${mb(large?.maxRssBytes)} MB.`,
    ...sweepTargets(results),
  ];
}

/**
 * The peer's own 12 MP ÷ 2 MP time, warm and unthrottled: what the best pipeline from npm pays for the
 * larger photo, which no decoder that reads the whole JPEG avoids.
 */
function peerLargeRatio(results: BenchResults): string {
  const total = (scenario: ScenarioName) => scenarioOf(results, 'peer', scenario)?.stages.totalMs.median;
  const r = ratio(total('large') ?? Number.NaN, total('medium') ?? Number.NaN);
  return Number.isFinite(r)
    ? ` (the peer's own 12 MP photo takes ${x(r)} its 2 MP one, warm and unthrottled: both decode every byte of the JPEG's entropy-coded data)`
    : '';
}

/** The cost targets, read off the power-tuning sweep at the size it chose. */
function sweepTargets(results: BenchResults): string[] {
  const sweep = results.sweep;
  if (!sweep || failed(sweep) || 'skipped' in sweep) return ['- cost: the power-tuning sweep did not run.'];
  const chosen = sweep.points.find((p) => p.memoryMb === sweep.chosenMb);
  if (!chosen) return [];
  const price = (arch: 'x86_64' | 'arm64', scenario: ScenarioName) => chosen.usdPerMillion[arch][scenario];
  const x86 = price('x86_64', 'medium') ?? Number.NaN;
  const arm = price('arm64', 'medium') ?? Number.NaN;
  return [
    `- at most $1.50 per million 2 MP images at the chosen size (${sweep.chosenMb} MB): ${usd(x86)} on x86_64, ${usd(arm)} on arm64.`,
    `- a 12 MP photo at most 1.5× the cost of a 2 MP one there: ${x(ratio(price('x86_64', 'large') ?? Number.NaN, x86))}${peerLargeRatio(results)}.`,
  ];
}

function peerTable(results: BenchResults): string {
  const rows: string[][] = [];
  for (const peer of ['sharp', 'onnx', 'cpu', 'peer'] as const) {
    for (const scenario of results.scenarios.map((s) => s.name)) {
      const ours = scenarioOf(results, 'ours', scenario);
      const theirs = scenarioOf(results, peer, scenario);
      if (!ours || !theirs) continue;
      const r = (stage: Stage) => x(ratio(theirs.stages[stage].median, ours.stages[stage].median));
      rows.push([
        CONFIGS[peer],
        scenarioLabel(results, scenario),
        r('decodeMs'),
        r('preprocessMs'),
        r('inferenceMs'),
        r('totalMs'),
        x(ratio(theirs.maxRssBytes, ours.maxRssBytes)),
      ]);
    }
  }
  const lite = results.tfliteVsTfjs;
  if (lite && !failed(lite)) {
    // The .tflite run by the importer against the TF.js layers twin of its weights (ours, same process).
    // Older results files lack the per-pair ratios.
    const pair = lite.pairRatio ? `; per pair ${x(lite.pairRatio.median)}` : '';
    const ms = `${lite.inferenceMs.tflite.toFixed(1)} vs ${lite.inferenceMs.tfjs.toFixed(1)} ms${pair}`;
    rows.push(['TFLite importer (same weights)', 'medium', '–', '–', `${x(lite.ratio)} (${ms})`, '–', '–']);
  }
  return table(['peer', 'image', 'decode', 'preprocess', 'inference', 'total', 'peak RSS'], rows);
}

function agreementSection(rows: AgreementRow[]): string[] {
  const onnxAgree = rows.filter((r) => r.onnx && r.onnx.classId === r.ours.classId).length;
  const sharpAgree = rows.filter((r) => r.sharp.classId === r.ours.classId).length;
  const fusedAgree = rows.filter((r) => r.fused && r.fused.classId === r.ours.classId).length;
  const maxOnnxDiff = Math.max(0, ...rows.map((r) => r.onnx?.maxAbsDiff ?? 0));
  const p = (v: number) => v.toFixed(3);
  return [
    `Top-1 on the same images: onnxruntime agrees with ours on **${onnxAgree}/${rows.length}** (largest probability difference on identical input tensors ${maxOnnxDiff.toExponential(1)}); ` +
      `the fused-kernel experiment on ${fusedAgree}/${rows.length}; the sharp decoder on **${sharpAgree}/${rows.length}** ` +
      '(it feeds slightly different pixels: libvips crops and resizes to the input with the Lanczos 3 kernel, where ours uses box + bilinear).',
    '',
    table(
      ['image', 'ours top-1 (p)', 'onnxruntime top-1 (p)', 'sharp decoder top-1 (p)'],
      rows.map((r) => [
        r.image,
        `${r.ours.label.split(',')[0]} (${p(r.ours.probability)})`,
        r.onnx ? `${r.onnx.label.split(',')[0]} (${p(r.onnx.probability)})` : '–',
        `${r.sharp.label.split(',')[0]} (${p(r.sharp.probability)})`,
      ]),
    ),
  ];
}

function profileSection(profile: ProfileResult, results: BenchResults): string[] {
  const w = profile.wasm;
  const total = w.kernels.reduce((s, k) => s + k.ms, 0);
  const out: string[] = [
    `One forward pass of ${results.model.name} on the same fixed input, batch 1, median of the profiled runs. ` +
      `tfjs wasm: ${ms(w.predictMs)} ms per predict (tf.time: kernels ${ms(w.time.kernelMs)} ms of ${ms(w.time.wallMs)} ms wall)` +
      (profile.onnx
        ? `; onnxruntime-node on the ONNX twin: ${ms(profile.onnx.threads1Ms)} ms with 1 thread, ${ms(profile.onnx.threads2Ms)} ms with 2 ` +
          `(**wasm ÷ onnxruntime = ${x(ratio(w.predictMs, profile.onnx.threads1Ms))}** single-threaded; outputs differ by at most ${profile.onnx.maxAbsDiff.toExponential(1)}).`
        : '.'),
    '',
    '**tfjs wasm kernels** (tf.profile; op wrappers such as `fusedConv2d__op` left out so nothing counts twice):',
    '',
    table(
      ['kernel', 'calls', 'ms', 'share'],
      w.kernels.slice(0, 10).map((k) => [k.kernel, String(k.count), ms(k.ms), pct(k.ms, total)]),
    ),
  ];
  if (profile.onnx) {
    const ortTotal = profile.onnx.ops.reduce((s, o) => s + o.ms, 0);
    out.push(
      '',
      '**onnxruntime ops** (1 thread, its own profiler, kernel time per op type):',
      '',
      table(
        ['op', 'calls', 'ms', 'share'],
        profile.onnx.ops.slice(0, 8).map((o) => [o.op, String(o.count), ms(o.ms), pct(o.ms, ortTotal)]),
      ),
    );
  }
  const minimum = w.kernels.find((k) => k.kernel === 'Minimum');
  const relu = w.kernels.find((k) => k.kernel === 'Relu');
  const conv = w.kernels.filter((k) => /Conv/.test(k.kernel)).reduce((s, k) => s + k.ms, 0);
  const fused = w.fused && !failed(w.fused) ? w.fused : undefined;
  out.push(
    '',
    '**Where the time goes and what closes the gap** (each lever measured in this run on the same weights):',
    '',
  );
  if (minimum) {
    out.push(
      `1. **relu6 is not fused.** tfjs-layers applies relu6 as \`minimum(6, relu(x))\` after every Conv2D and DepthwiseConv2D: ` +
        `Minimum (${minimum.count} calls, a broadcasting element-wise kernel) takes ${ms(minimum.ms)} ms = ${pct(minimum.ms, total)} of the kernel time, ` +
        `Relu another ${ms(relu?.ms ?? 0)} ms; the convolutions themselves take ${ms(conv)} ms. ` +
        `Registering relu6 as the single Relu6 kernel (no model change, outputs identical, max difference ${w.relu6Kernel.maxAbsDiff.toExponential(1)}) ` +
        `brings predict to ${ms(w.relu6Kernel.predictMs)} ms (${x(ratio(w.relu6Kernel.predictMs, w.predictMs))} of today).` +
        (fused
          ? ` Running every conv as one fused kernel with bias and relu6 inside (what tfjs-converter's graph models do) gives ${ms(fused.predictMs)} ms ` +
            `(${x(ratio(fused.predictMs, w.predictMs))}; max difference ${fused.maxAbsDiff.toExponential(1)}).`
          : ''),
    );
  }
  if (profile.onnx) {
    const after = fused?.predictMs ?? w.relu6Kernel.predictMs;
    const dequantize = profile.onnx.ops.find((o) => o.op === 'DequantizeLinear');
    out.push(
      `2. **Kernel quality.** After fusion wasm is still ${x(ratio(after, profile.onnx.threads1Ms))} onnxruntime's single-threaded time: ` +
        "the same convolutions run as XNNPACK compiled to 128-bit wasm SIMD against MLAS with the CPU's native vector units and a blocked NCHWc layout" +
        (dequantize
          ? ` (even though onnxruntime re-dequantises the uint8 weights on every run: DequantizeLinear, ${ms(dequantize.ms)} ms)`
          : '') +
        '. Only native code closes this: the tfjs-node layer (TensorFlow C) on Lambda, or onnxruntime-node.',
    );
    out.push(
      `3. **Threads.** onnxruntime goes from ${ms(profile.onnx.threads1Ms)} to ${ms(profile.onnx.threads2Ms)} ms with a second thread ` +
        `(${x(ratio(profile.onnx.threads2Ms, profile.onnx.threads1Ms))}) on this machine's ${results.machine.cores} cores` +
        (profile.onnx.threads2Ms < 0.95 * profile.onnx.threads1Ms
          ? '. '
          : ': no gain in this run, the second core was busy with other work (see the load average) and the threads waited for each other. ') +
        'Lambda at 2048 MB shows 2 vCPUs but gives about 1.16 vCPU of CPU time (1 vCPU at 1,769 MB), so a second thread gains less there than on an idle 2-core machine. ' +
        (results.wasmThreads && !failed(results.wasmThreads)
          ? results.wasmThreads.ok
            ? `The threaded wasm build initialised here with ${results.wasmThreads.threads} threads.`
            : `The threaded wasm build cannot be used under Node with tfjs 4.22 (it reports no thread support, tensorflow/tfjs#3830; forcing the flag fails: "${results.wasmThreads.reason}").`
          : ''),
    );
  }
  out.push(
    `4. **Batching**: 4 images per predict cost ${ms(w.batch4PerImageMs)} ms each on wasm ` +
      `(${x(ratio(w.batch4PerImageMs, w.predictMs))})` +
      (profile.onnx
        ? ` and ${ms(profile.onnx.batch4PerImageMs)} ms on onnxruntime (${x(ratio(profile.onnx.batch4PerImageMs, profile.onnx.threads1Ms))}).`
        : '.') +
      ' S3 events carry one object each, so batching would need a queue in front.',
  );
  return out;
}

function coldStartSection(results: BenchResults): string[] {
  const wasm = results.coldStart.find((c) => c.engine === 'wasm');
  return [
    table(
      [
        'engine',
        'n',
        'median ms',
        'min–max',
        'ratio to wasm',
        'node start',
        'imports',
        'backend + model',
        'first image',
      ],
      results.coldStart.map((c) =>
        c.wallMs && c.phases
          ? [
              c.engine,
              String(c.wallMs.n),
              ms(c.wallMs.median),
              `${ms(c.wallMs.min)}–${ms(c.wallMs.max)}`,
              x(ratio(c.wallMs.median, wasm?.wallMs?.median)),
              ms(c.phases.bootMs),
              ms(c.phases.importMs),
              ms(c.phases.loadMs),
              ms(c.phases.firstClassifyMs),
            ]
          : [c.engine, '0', '–', '–', '–', '–', '–', '–', `unavailable: ${(c.error ?? '').slice(0, 200)}`],
      ),
    ),
  ];
}

/** `classify --jobs 1` and `--jobs 2` side by side: the figures issue 15 asks for, and what a worker costs. */
function cliJobsParagraph(jobs: CliJobsResult | Failure): string[] {
  if (failed(jobs)) return [`\`classify --jobs\` not measured: ${jobs.error}`];
  const [one, two] = jobs.rows;
  const extra =
    one?.peakRssBytes !== undefined && two?.peakRssBytes !== undefined
      ? ` Peak RSS of the whole process: ${mb(two.peakRssBytes)} MB with --jobs 2 (a worker thread besides the main one) against ${mb(one.peakRssBytes)} MB with --jobs 1 (+${mb(two.peakRssBytes - one.peakRssBytes)} MB).`
      : '';
  return [
    `\`classify --jobs N\` over ${jobs.images} files (the same photos cycled; --jobs 1 classifies in the main thread; --jobs 2 adds a worker thread with its own model, which joins once loaded), runs interleaved, medians:${extra}`,
    '',
    ...cliJobsTable(jobs),
  ];
}

function throughputSection(results: BenchResults): string[] {
  const t = results.throughput;
  const out: string[] = [];
  const core = t.core && !failed(t.core) ? t.core : undefined;
  if (t.cli && !failed(t.cli)) {
    out.push(
      `\`npm run classify -- --json --backend wasm\` over ${t.images} images (the sample photos and labelled images, sizes as found), ` +
        `${t.cli.runs.length} run(s), median: **${t.cli.imagesPerSecond.toFixed(1)} images/s** including start-up and model load, ` +
        `${t.cli.steadyImagesPerSecond.toFixed(1)} images/s from the first result to the last.` +
        (core
          ? ` The same loop on the core without the CLI: ${core.steadyImagesPerSecond.toFixed(1)} images/s (CLI ÷ core ${x(ratio(t.cli.steadyImagesPerSecond, core.steadyImagesPerSecond))}).`
          : ''),
    );
  } else {
    out.push(
      `CLI not measured (${t.cli && failed(t.cli) ? t.cli.error : 'absent'}).` +
        (core
          ? ` The core in a loop over ${t.images} images: ${core.steadyImagesPerSecond.toFixed(1)} images/s (${core.imagesPerSecond.toFixed(1)} with the model load).`
          : ''),
    );
  }
  if (t.cliJobs) {
    out.push('', ...cliJobsParagraph(t.cliJobs));
  }
  return out;
}

function artifactSection(results: BenchResults): string[] {
  const a = results.artifacts;
  if (failed(a)) return [`Not measured: ${a.error}`];
  const deployed = a.items.filter((i) => i.role === 'deployed');
  const unzipped = deployed.reduce((s, i) => s + i.bytes, 0);
  const sharpLayer = a.items.find((i) => i.name.startsWith('sharp'));
  return [
    `Function bundle built from \`${a.entry}\` with esbuild options from ${a.bundleOptions}. Zipped sizes are computed as \`zip -r\` (deflate level 6) would store the files${a.zipped ? '' : ' (skipped in --quick)'}. 1 MB = 2^20 bytes, as in Lambda's quotas.`,
    '',
    table(
      ['artifact', 'role', 'files', 'unzipped MB', 'zipped MB', 'note'],
      a.items.map((i) => [i.name, i.role, String(i.files), mb(i.bytes), mb(i.zippedBytes), i.note ?? '']),
    ),
    '',
    `Deployed total (function + TensorFlow.js layer + model layer): **${mb(unzipped)} MB unzipped of Lambda's ${mb(LAMBDA_LIMITS.unzippedBytes)} MB**` +
      (sharpLayer ? ` (${mb(unzipped + sharpLayer.bytes)} MB with the sharp layer)` : '') +
      zippedVerdict(a.items, a.zipped) +
      ' The original system shipped a 67 MB package.',
  ];
}

function zippedVerdict(items: Artifact[], zipped: boolean): string {
  if (!zipped) return '; zipped sizes not computed in --quick.';
  const over = items.filter((i) => (i.zippedBytes ?? 0) > LAMBDA_LIMITS.zippedDirectUploadBytes);
  const limit = `${mb(LAMBDA_LIMITS.zippedDirectUploadBytes)} MB zipped direct-upload limit`;
  return over.length
    ? `; over the ${limit}: ${over.map((i) => i.name).join(', ')} (upload through S3 instead).`
    : `; every piece is under the ${limit}.`;
}

function costSection(results: BenchResults): string[] {
  const c = results.cost;
  const rows = c.rows
    .filter((r) => r.config === 'original' || r.scenario === 'medium' || r.scenario === 'large')
    .map((r) => [
      r.config === 'original' ? 'the original Python system: about 8 s per image' : CONFIGS[r.config],
      r.scenario === 'original' ? '–' : scenarioLabel(results, r.scenario),
      ms(r.durationMs),
      usd(r.usdPerMillion),
      x(ratio(c.rekognitionUsdPerMillion, r.usdPerMillion)),
    ]);
  rows.push(['Rekognition DetectLabels', '–', '–', usd(c.rekognitionUsdPerMillion), '1×']);
  return [
    `Lambda ${c.prices.lambdaArch} at ${c.memoryMb} MB, ${c.prices.region}: $${c.prices.lambdaGbSecond} per GB-s + $${c.prices.lambdaPerMillionRequests} per million requests, ` +
      `duration billed per ${c.prices.lambdaBillingStepMs} ms; Rekognition DetectLabels $${(Number(c.prices.rekognitionPerImage) * 1000).toFixed(2)} per 1,000 images (first tier). ` +
      `Prices: AWS Lambda and Amazon Rekognition public list prices as published for ${c.prices.region}; not fetched by the bench (it runs offline); run date ${results.startedAt.slice(0, 10)}. ` +
      'Duration = the warm median total measured here, one image per invocation; S3 transfer, cold starts (INIT) and this machine being faster or slower than a Lambda vCPU are not included.',
    '',
    table(['configuration', 'image', 'ms per image', 'USD per million', 'Rekognition costs'], rows),
  ];
}

/** The Markdown report of one run; `chartFile` is the SVG's name relative to the report. */
function startupSection(results: BenchResults): string[] {
  const startup = results.startup;
  if (!startup) return ['Not run (--quick runs skip it).'];
  if (failed(startup)) return [`Not measured: ${startup.error}`];
  const deployed = startup[0];
  const rows = startup.map((v) => [
    v.name,
    mb(v.bundleBytes),
    v.mapBytes ? mb(v.mapBytes) : '–',
    ms(v.initMs),
    deployed ? `${v.initMs >= deployed.initMs ? '+' : ''}${ms(v.initMs - deployed.initMs)}` : '–',
    v.readableStack ? 'TypeScript file:line' : 'bundle offsets',
  ]);
  return [
    "Each variant of the function bundle is evaluated in a fresh Node process, the variants in turn for 5 rounds (medians; the model load it starts runs on after), then its handler is sent a malformed event to see what the error's stack trace names.",
    '',
    table(['bundle', 'MB', 'map MB', 'init ms', 'vs deployed', 'stack trace'], rows),
  ];
}

function sweepSection(results: BenchResults, chartFile: string): string[] {
  const sweep = results.sweep;
  if (!sweep) return ['Not run (--quick runs skip it).'];
  if ('skipped' in sweep) return [`Skipped: ${sweep.skipped}.`];
  const rows = sweep.points.map((p) => [
    String(p.memoryMb),
    p.vcpu.toFixed(2),
    ms(p.durationMs.medium),
    ms(p.durationMs.large),
    usd(p.usdPerMillion.x86_64.medium ?? Number.NaN),
    usd(p.usdPerMillion.x86_64.large ?? Number.NaN),
    usd(p.usdPerMillion.arm64.medium ?? Number.NaN),
    usd(p.usdPerMillion.arm64.large ?? Number.NaN),
    x(ratio(p.usdPerMillion.x86_64.large ?? Number.NaN, p.usdPerMillion.x86_64.medium ?? Number.NaN)),
  ]);
  return [
    `The deployed pipeline (tfjs wasm, decoder ${sweep.decoder}) in a fresh process under a CPU quota of memory ÷ 1,769 MB of one core, in a cgroup made for each size and removed after it (${sweep.cgroup}); warm medians. ` +
      "arm64 prices apply x86_64 durations: this machine has no arm64 core, so they show the price difference, not Graviton's speed. " +
      'A quota caps CPU time; it does not give more than this machine has, so sizes above 1 vCPU are bounded by the cores the other load leaves.',
    '',
    table(
      [
        'memory MB',
        'vCPU',
        '2 MP ms',
        '12 MP ms',
        'x86 2 MP $/M',
        'x86 12 MP $/M',
        'arm 2 MP $/M',
        'arm 12 MP $/M',
        '12 MP ÷ 2 MP cost',
      ],
      rows,
    ),
    '',
    `Chosen: **${sweep.chosenMb} MB**, ${sweep.why}.`,
    '',
    `![cost by memory](${chartFile.replace(/\.svg$/, '-sweep.svg')})`,
  ];
}

export function renderReport(results: BenchResults, chartFile: string): string {
  const m = results.machine;
  const lines: string[] = [
    `# LambdaVision benchmark (${results.mode} run, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Model **${results.model.name}**${results.model.onnx ? ` (ONNX twin: ${results.model.onnx})` : ''}` +
      (results.model.deployed && results.model.deployed !== '.'
        ? `; ours runs it as deployed, from its ${results.model.deployed}/ file (what \`fetch-model\` installs and the model layer ships), the per-op profile and the agreement check from its TF.js twin. `
        : '. ') +
      `Machine: ${m.cpuModel}, **${m.cores} cores**, ${m.memoryGiB} GiB, ${m.os}, **Node ${m.node}**; commit ${m.commit}; ` +
      `packages: ${Object.entries(m.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}. Run took ${results.durationS} s.`,
    '',
    `> Other load on the machine shares its ${m.cores} cores (1-minute load average ${m.loadAverage.start.toFixed(2)} at the start, ` +
      `${(m.loadAverage.peak ?? Number.NaN).toFixed(2)} at its peak, ${(m.loadAverage.end ?? Number.NaN).toFixed(2)} at the end; above ${m.cores} means waiting for a core). Configurations compared run close together (scenario by scenario; the profile's variants in interleaved rounds). Read medians and ratios measured in the same run; single absolute times move by tens of per cent between runs.`,
    '',
    '## Headline',
    '',
    ...headline(results),
    '',
    `![time per stage](${chartFile})`,
    '',
    '## As deployed vs the right peer',
    '',
    ...deployedVsPeerSection(results),
    '',
    '## What the numbers argue for',
    '',
    ...recommendations(results),
    '',
    '## Warm latency per stage (median / p95 ms)',
    '',
    'Each configuration loads once and classifies each image repeatedly (after unmeasured warm-up runs); stages as the core reports them ' +
      "(decode includes the header probe; with sharp it also includes libvips' shrink; total includes top-k). " +
      (results.mode === 'full'
        ? 'Each image ran in its own process, so peak RSS (process.resourceUsage().maxRSS) belongs to that image.'
        : 'In --quick all images of a configuration share a process; peak RSS is the process peak.'),
    '',
  ];
  for (const entry of results.warm) {
    lines.push(
      `### ${entry.label}`,
      '',
      entry.error ? `Failed: ${entry.error}` : warmTable(results, entry),
      '',
    );
  }
  lines.push(
    '## Peers as ratios to ours (median ÷ median, same run; below 1× the peer is faster)',
    '',
    peerTable(results),
    '',
  );
  if (results.agreement) {
    lines.push('## Do the peers give the same answers?', '');
    lines.push(
      ...(failed(results.agreement)
        ? [`Not measured: ${results.agreement.error}`]
        : agreementSection(results.agreement)),
      '',
    );
  }
  lines.push('## Per-op profile: tfjs wasm vs onnxruntime on identical weights', '');
  lines.push(
    ...(results.profile && !failed(results.profile)
      ? profileSection(results.profile, results)
      : [`Not measured: ${results.profile && failed(results.profile) ? results.profile.error : 'skipped'}`]),
    '',
  );
  lines.push(
    '## Cold start per backend',
    '',
    "A fresh `node` process running a bundle of that engine's pipeline only, built like the Lambda bundle (esbuild, CommonJS, layer packages from NODE_PATH), until the first classification of the 2 MP JPEG is done; ours loads the model as deployed (its TFLite file) with the decoder as deployed (`auto`: sharp) and, as the function does in an on-demand init, without the warm-up inference (whose packing of the weights and first-run compilation the first image then pays, once); the engines take turns, one run each per round, so each round sees the same load on a shared machine. Phases are medians, in ms since the process started.",
    '',
    ...coldStartSection(results),
    '',
  );
  lines.push('## CLI throughput', '', ...throughputSection(results), '');
  lines.push('## Artifact sizes against Lambda limits', '', ...artifactSection(results), '');
  lines.push('## Cost per million images', '', ...costSection(results), '');
  lines.push('## Bundle start-up: source maps and minification', '', ...startupSection(results), '');
  lines.push('## Power-tuning sweep (simulated)', '', ...sweepSection(results, chartFile), '');
  lines.push(
    '## Not measured here',
    '',
    '- The `tensorflow` backend (tfjs-node, the native layer Lambda uses with `BACKEND=auto`): it cannot be installed on this machine, so its cold start is recorded as unavailable.',
    "- Lambda itself: its vCPU at 2048 MB is not this machine's core; S3 download/upload time; INIT billing.",
    `- Scenario images: ${results.scenarios.map((s) => `${s.name} from ${s.source}`).join('; ')} (JPEG quality 90), cached in .lambdavision/bench-inputs.`,
    '',
  );
  return lines.join('\n');
}
