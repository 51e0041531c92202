import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand } from '../../scripts/cli/command';
import { isInstalled, missingPackageHint } from '../../scripts/cli/optional-packages';
import { BENCH_DESCRIPTION, BENCH_OPTIONS, benchOptions } from './args';
import { renderChart } from './chart-svg';
import { renderSweepChart } from './power-sweep';
import { projectPath } from './project';
import { renderReport } from './report-markdown';
import type { BenchResults } from './results';
import { runBench } from './run-bench';

/**
 * `lambdavision bench`: measures, writes bench/results/<timestamp>.{md,json,svg} and prints the report on
 * stdout (progress on stderr).
 */
export const benchCommand = defineCommand({
  name: 'bench',
  description: BENCH_DESCRIPTION,
  options: BENCH_OPTIONS,
  async run({ values }, io) {
    const options = benchOptions(values, io.env);
    for (const name of ['onnxruntime-node', 'sharp'] as const) {
      if (!isInstalled(name)) io.stderr.write(`note: ${missingPackageHint(name)}; its peer is left out\n`);
    }
    const started = performance.now();
    const log = (line: string) =>
      io.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
    const results = options.render
      ? (JSON.parse(readFileSync(options.render, 'utf8')) as BenchResults)
      : await runBench(options, log);

    mkdirSync(options.outDir, { recursive: true });
    const stamp = results.startedAt.replace(/[:.]/g, '-');
    const base = path.join(options.outDir, `${stamp}${results.mode === 'quick' ? '-quick' : ''}`);
    if (!options.render) writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
    const report = renderReport(results, `${path.basename(base)}.svg`);
    writeFileSync(`${base}.svg`, renderChart(results));
    const sweepChart =
      results.sweep && 'points' in results.sweep ? renderSweepChart(results.sweep) : undefined;
    if (sweepChart) writeFileSync(`${base}-sweep.svg`, sweepChart);
    writeFileSync(`${base}.md`, report);
    if (options.publish) {
      writeFileSync(projectPath('bench', 'REPORT.md'), renderReport(results, 'REPORT.svg'));
      writeFileSync(projectPath('bench', 'REPORT.svg'), renderChart(results));
      if (sweepChart) writeFileSync(projectPath('bench', 'REPORT-sweep.svg'), sweepChart);
    }
    io.stdout.write(`${report}\n`);
    log(
      `wrote ${path.relative(process.cwd(), base)}.{md,${options.render ? '' : 'json,'}svg}${options.publish ? ' and bench/REPORT.{md,svg}' : ''}`,
    );
    return 0;
  },
});
