import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runJob } from './child-process';
import { lambdaCostPerMillion, MB_PER_VCPU } from './cost';
import type { WarmResult } from './jobs/job-types';
import type { ScenarioImage } from './scenario-images';
import { median } from './stats';
import type { WorkerBundle } from './worker-bundle';

/** The memory sizes aws-lambda-power-tuning would try for a function like this one. */
export const SWEEP_MEMORY_MB = [512, 1024, 1536, 2048, 3008] as const;

export interface SweepPoint {
  memoryMb: number;
  vcpu: number;
  /** Median warm end-to-end ms per scenario (medium: 2 MP JPEG, large: 12 MP JPEG). */
  durationMs: Record<string, number>;
  usdPerMillion: { x86_64: Record<string, number>; arm64: Record<string, number> };
}

export type SweepResult =
  | { cgroup: string; decoder: string; points: SweepPoint[]; chosenMb: number; why: string }
  | { skipped: string };

interface CpuGroup {
  /** The file a process writes its pid to, to join. */
  procs: string;
  remove: () => void;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * A CPU-limited cgroup of this process's own making: cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us), at the
 * share of one core Lambda gives `memoryMb`. Throws with the reason where cgroups cannot be made (no root,
 * a read-only /sys/fs/cgroup, no cpu controller).
 */
function createCpuGroup(name: string, vcpu: number): CpuGroup {
  const period = 100_000;
  const quota = Math.max(1000, Math.round(vcpu * period));
  const v2 = existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'));
  const parent = v2 ? CGROUP_ROOT : path.join(CGROUP_ROOT, 'cpu');
  if (
    v2 &&
    !readFileSync(path.join(CGROUP_ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')
  ) {
    throw new Error('the cgroup v2 hierarchy has no cpu controller');
  }
  if (!v2 && !existsSync(path.join(parent, 'cpu.cfs_quota_us'))) throw new Error('no cgroup cpu controller');
  const dir = path.join(parent, name);
  mkdirSync(dir);
  try {
    if (v2) writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${period}`);
    else {
      writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(period));
      writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
    }
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
  return {
    procs: path.join(dir, 'cgroup.procs'),
    // Only an empty group can be removed: called once its one process has exited.
    remove: () => rmdirSync(dir),
  };
}

/**
 * The power-tuning sweep, simulated: the deployed pipeline (tfjs wasm, decoder as deployed) classifies the
 * 2 MP and 12 MP JPEGs in a fresh process under a CPU quota matching each memory size's share (1 vCPU at
 * 1,769 MB); duration and cost per million on x86_64 and arm64 prices, request charge included. Each
 * cgroup is created for its run and removed after it; where cgroups cannot be made the sweep says why and
 * is skipped.
 */
export async function powerSweep(
  worker: WorkerBundle,
  modelDir: string,
  scenarios: ScenarioImage[],
  options: {
    decoder: 'auto' | 'jimp';
    warmup: number;
    repeats: number;
    /** The least memory a size may have to be chosen (what the default pixel limit needs). */
    minimumMb?: number;
    /** Why that minimum, for the report. */
    minimumWhy?: string;
  },
  log: (line: string) => void,
): Promise<SweepResult> {
  const images = scenarios.filter((s) => s.name === 'medium' || s.name === 'large');
  const points: SweepPoint[] = [];
  let cgroup = '';
  for (const memoryMb of SWEEP_MEMORY_MB) {
    const vcpu = memoryMb / MB_PER_VCPU;
    let group: CpuGroup;
    try {
      group = createCpuGroup(`lambdavision-sweep-${process.pid}-${memoryMb}`, vcpu);
      cgroup = path.dirname(path.dirname(group.procs));
    } catch (error) {
      const reason = `cannot create a CPU-limited cgroup under ${CGROUP_ROOT} (${(error as Error).message}); the sweep needs root and a writable cgroup cpu controller`;
      log(`power sweep skipped: ${reason}`);
      return { skipped: reason };
    }
    try {
      log(`power sweep ${memoryMb} MB (${vcpu.toFixed(2)} vCPU)`);
      const job = {
        kind: 'warm' as const,
        modelDir,
        engine: 'tfjs' as const,
        backend: 'wasm' as const,
        decoder: options.decoder,
        images: images.map((s) => ({
          name: s.name,
          file: s.file,
          warmup: options.warmup,
          repeats: options.repeats,
        })),
      };
      const { result } = await runJob<WarmResult>(worker, job, 900_000, group.procs);
      const durationMs = Object.fromEntries(result.images.map((i) => [i.name, median(i.samples.totalMs)]));
      const cost = (arch: 'x86_64' | 'arm64') =>
        Object.fromEntries(
          Object.entries(durationMs).map(([name, ms]) => [name, lambdaCostPerMillion(ms, memoryMb, arch)]),
        );
      points.push({
        memoryMb,
        vcpu,
        durationMs,
        usdPerMillion: { x86_64: cost('x86_64'), arm64: cost('arm64') },
      });
    } finally {
      group.remove();
    }
  }
  // The cheapest size for a mix of photos (the mean of the 2 MP and 12 MP costs: uploads come in both
  // sizes, and one image alone lets a single noisy sample decide); among sizes within 5 % of it, the
  // fastest for the 2 MP photo.
  const mixCost = (p: SweepPoint) =>
    ((p.usdPerMillion.x86_64.medium ?? Number.POSITIVE_INFINITY) +
      (p.usdPerMillion.x86_64.large ?? Number.POSITIVE_INFINITY)) /
    2;
  const eligible = points.filter((p) => p.memoryMb >= (options.minimumMb ?? 0));
  const cheapest = Math.min(...eligible.map(mixCost));
  const near = eligible.filter((p) => mixCost(p) <= cheapest * 1.05);
  const chosen = near.reduce((a, b) => ((b.durationMs.medium ?? 0) < (a.durationMs.medium ?? 0) ? b : a));
  return {
    cgroup,
    decoder: options.decoder,
    points,
    chosenMb: chosen.memoryMb,
    why: `cheapest for a mix of the 2 MP and 12 MP JPEGs within 5 % (${mixCost(chosen).toFixed(2)} USD per million on x86_64, the mean of ${chosen.usdPerMillion.x86_64.medium?.toFixed(2)} and ${chosen.usdPerMillion.x86_64.large?.toFixed(2)}), and the fastest among those for the 2 MP JPEG${options.minimumMb ? `, among the sizes of ${options.minimumMb} MB or more (${options.minimumWhy})` : ''}`,
  };
}

/** Cost per million against memory, one line per image and architecture. */
export function renderSweepChart(result: Extract<SweepResult, { points: SweepPoint[] }>): string {
  const w = 640;
  const h = 320;
  const left = 60;
  const bottom = 40;
  const top = 30;
  const right = 150;
  const series = (['medium', 'large'] as const).flatMap((image) =>
    (['x86_64', 'arm64'] as const).map((arch) => ({
      label: `${image === 'medium' ? '2 MP' : '12 MP'} ${arch}`,
      colour: {
        medium: { x86_64: '#4e79a7', arm64: '#76b7b2' },
        large: { x86_64: '#e15759', arm64: '#f28e2b' },
      }[image][arch],
      values: result.points.map((p) => [p.memoryMb, p.usdPerMillion[arch][image] ?? Number.NaN] as const),
    })),
  );
  const maxY = Math.max(...series.flatMap((s) => s.values.map(([, y]) => y)).filter(Number.isFinite)) * 1.1;
  const maxX = Math.max(...SWEEP_MEMORY_MB);
  const px = (mb: number) => left + ((w - left - right) * mb) / maxX;
  const py = (usd: number) => h - bottom - ((h - bottom - top) * usd) / maxY;
  const lines = series.map(
    (s, i) =>
      `<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${s.values.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>` +
      `<text x="${w - right + 10}" y="${top + 16 * i + 10}" fill="${s.colour}" font-size="12">${s.label}</text>`,
  );
  const ticks = SWEEP_MEMORY_MB.map(
    (mb) => `<text x="${px(mb)}" y="${h - bottom + 16}" font-size="11" text-anchor="middle">${mb}</text>`,
  );
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<text x="${left - 6}" y="${py(maxY * f) + 4}" font-size="11" text-anchor="end">$${(maxY * f).toFixed(2)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    '<title>Cost per million images by Lambda memory size, from the simulated power-tuning sweep</title>',
    `<text x="${left}" y="18" font-size="13">USD per million images by Lambda memory (simulated CPU share)</text>`,
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="#999"/>`,
    ...ticks,
    ...yTicks,
    `<text x="${(left + w - right) / 2}" y="${h - 6}" font-size="11" text-anchor="middle">memory (MB)</text>`,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
