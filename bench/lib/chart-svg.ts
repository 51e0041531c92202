import type { Stage } from './jobs/job-types';
import type { BenchResults, ConfigName } from './results';

// Stage medians stacked; they need not add up to the median total written beside the bar (medians of
// parts are not parts of the median), so no "rest" segment is drawn.
const STAGE_COLOURS: Array<[Exclude<Stage, 'totalMs'>, string, string]> = [
  ['decodeMs', '#4e79a7', 'decode'],
  ['preprocessMs', '#f28e2b', 'preprocess'],
  ['inferenceMs', '#59a14f', 'inference'],
];

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/**
 * A horizontal stacked bar chart of median time per stage, one group per scenario and one bar per
 * configuration. The scale fits everything but the tfjs cpu backend, whose bars are cut at the edge
 * with their total written beside them: drawn to scale they would flatten the rest.
 */
export function renderChart(results: BenchResults): string {
  const order: ConfigName[] = ['sharp', 'ours', 'peer', 'onnx', 'cpu'];
  const groups = results.scenarios.map((scenario) => ({
    scenario,
    bars: order.flatMap((config) => {
      const entry = results.warm.find((w) => w.config === config);
      const s = entry?.scenarios.find((x) => x.scenario === scenario.name);
      return s && entry ? [{ config, label: entry.label, stages: s.stages }] : [];
    }),
  }));
  const scaled = groups.flatMap((g) =>
    g.bars.filter((b) => b.config !== 'cpu').map((b) => b.stages.totalMs.median),
  );
  const maxMs = Math.max(1, ...scaled) * 1.08;

  const left = 250;
  const plotWidth = 560;
  const right = 90;
  const barHeight = 16;
  const barGap = 4;
  const groupGap = 22;
  const top = 58;
  let y = top;
  const parts: string[] = [];
  for (const group of groups) {
    parts.push(
      `<text x="10" y="${y + 12}" font-weight="bold">${escapeXml(`${group.scenario.label} (${group.scenario.width}×${group.scenario.height})`)}</text>`,
    );
    y += 18;
    for (const bar of group.bars) {
      parts.push(`<text x="${left - 8}" y="${y + 12}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      let x = left;
      const total = bar.stages.totalMs.median;
      for (const [stage, colour, name] of STAGE_COLOURS) {
        const ms = bar.stages[stage].median;
        const width = Math.max(0, Math.min((ms / maxMs) * plotWidth, left + plotWidth - x));
        if (width > 0) {
          parts.push(
            `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${barHeight}" fill="${colour}"><title>${escapeXml(`${name}: ${fmt(ms)} ms`)}</title></rect>`,
          );
        }
        x += width;
      }
      const clipped = total > maxMs;
      parts.push(
        `<text x="${(x + 6).toFixed(1)}" y="${y + 12}">${clipped ? '» ' : ''}${fmt(total)} ms</text>`,
      );
      y += barHeight + barGap;
    }
    y += groupGap;
  }
  const axisY = y - groupGap + 4;
  const ticks = niceTicks(maxMs);
  for (const t of ticks) {
    const x = left + (t / maxMs) * plotWidth;
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${axisY}" stroke="#ddd"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${axisY + 14}" text-anchor="middle" fill="#555">${t}</text>`);
  }
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${axisY + 30}" text-anchor="middle" fill="#555">median ms per image (warm): stage medians stacked, median total written</text>`,
  );
  const legend = STAGE_COLOURS.map(
    ([, colour, name], i) =>
      `<rect x="${10 + i * 170}" y="30" width="12" height="12" fill="${colour}"/><text x="${26 + i * 170}" y="40">${escapeXml(name)}</text>`,
  ).join('');
  const height = axisY + 44;
  const width = left + plotWidth + right;
  const title = `Time per stage, ${results.model.name}, ${results.machine.cores} cores, ${results.machine.node} (${results.mode} run ${results.startedAt.slice(0, 10)})`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(title)}: median milliseconds per stage for each image and configuration</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    legend,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** Round tick values (1, 2 or 5 × 10^n steps) from 0 to max. */
export function niceTicks(max: number, target = 6): number[] {
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += step) ticks.push(Math.round(t * 1000) / 1000);
  return ticks;
}
