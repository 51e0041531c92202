import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchUsageError, parseBenchArgs, USAGE } from './lib/args';
import { renderChart } from './lib/chart-svg';
import { renderSweepChart } from './lib/power-sweep';
import { projectPath } from './lib/project';
import { renderReport } from './lib/report-markdown';
import type { BenchResults } from './lib/results';
import { runBench } from './lib/run-bench';

/**
 * `npm run bench`: measures, writes bench/results/<timestamp>.{md,json,svg} and prints the report. Takes its
 * arguments as a parameter and returns the exit status; only the last line exits.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = performance.now();
  const log = (line: string) =>
    process.stderr.write(
      `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`,
    );
  const results = options.render
    ? (JSON.parse(readFileSync(options.render, 'utf8')) as BenchResults)
    : await runBench(options, log);

  mkdirSync(options.outDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const base = path.join(options.outDir, `${stamp}${results.mode === 'quick' ? '-quick' : ''}`);
  if (!options.render) writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const report = renderReport(results, `${path.basename(base)}.svg`);
  writeFileSync(`${base}.svg`, renderChart(results));
  const sweepChart = results.sweep && 'points' in results.sweep ? renderSweepChart(results.sweep) : undefined;
  if (sweepChart) writeFileSync(`${base}-sweep.svg`, sweepChart);
  writeFileSync(`${base}.md`, report);
  if (options.publish) {
    writeFileSync(projectPath('bench', 'REPORT.md'), renderReport(results, 'REPORT.svg'));
    writeFileSync(projectPath('bench', 'REPORT.svg'), renderChart(results));
    if (sweepChart) writeFileSync(projectPath('bench', 'REPORT-sweep.svg'), sweepChart);
  }
  process.stdout.write(`${report}\n`);
  log(
    `wrote ${path.relative(process.cwd(), base)}.{md,${options.render ? '' : 'json,'}svg}${options.publish ? ' and bench/REPORT.{md,svg}' : ''}`,
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
