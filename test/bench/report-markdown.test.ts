import { expect } from 'chai';
import { renderReport, slowestStage } from '../../bench/lib/report-markdown';
import { benchResultsFixture } from './bench-results-fixture';

describe('bench report', () => {
  it('names decode as the slowest stage of the 12 MP JPEG when decoding takes most of the time', () => {
    // Prepare
    const large = benchResultsFixture().warm[0]?.scenarios.find((s) => s.scenario === 'large');

    // Act
    const slowest = slowestStage(large as NonNullable<typeof large>);

    // Assess
    expect(slowest.stage).to.equal('decode');
    expect(slowest.ms).to.equal(1200);
  });

  it('states the slowest stage and each peer as a ratio to ours in the headline', () => {
    // Act
    const report = renderReport(benchResultsFixture(), 'chart.svg');

    // Assess
    expect(report).to.include('Slowest stage for the JPEG 12.0 MP: decode');
    // sharp decodes the 12 MP image in 30 ms against our 1200: 0.03×
    expect(report).to.match(
      /tfjs wasm \+ sharp decoder\*\* as a ratio to ours.*JPEG 12\.0 MP: total 0\.07×, decode 0\.03×/,
    );
    expect(report).to.match(/onnxruntime-node \(1 thread\) \+ jimp\*\* as a ratio to ours.*inference 0\.30×/);
    expect(report).to.match(/tfjs cpu backend \+ jimp\*\* as a ratio to ours.*inference 60×/);
  });

  it('records the machine facts, the chart and why a backend is missing', () => {
    // Act
    const report = renderReport(benchResultsFixture(), 'chart.svg');

    // Assess
    expect(report).to.include('**2 cores**');
    expect(report).to.include('**Node v24.0.0**');
    expect(report).to.include('![time per stage](chart.svg)');
    expect(report).to.match(/tensorflow .*unavailable: backend "tensorflow" needs @tensorflow\/tfjs-node/);
  });

  it('puts classify --jobs side by side with the RSS a worker adds, or says why it was not measured', () => {
    // Prepare
    const results = benchResultsFixture();
    const run = (ms: number, rss: number) => ({
      wallMs: ms,
      images: 40,
      failed: 0,
      firstToLastMs: ms / 2,
      peakRssBytes: rss,
    });
    results.throughput.cliJobs = {
      images: 40,
      rows: [
        {
          jobs: 1,
          runs: [run(10_000, 300 * 2 ** 20)],
          imagesPerSecond: 4,
          steadyImagesPerSecond: 8,
          peakRssBytes: 300 * 2 ** 20,
        },
        {
          jobs: 2,
          runs: [run(8_000, 490 * 2 ** 20)],
          imagesPerSecond: 5,
          steadyImagesPerSecond: 10,
          peakRssBytes: 490 * 2 ** 20,
        },
      ],
    };

    // Act
    const report = renderReport(results, 'chart.svg');
    results.throughput.cliJobs = { error: 'the CLI printed no result' };
    const failedReport = renderReport(results, 'chart.svg');

    // Assess
    expect(report).to.include('| 1 | 4.00 | 8.00 | 1.00× | 300 | 1 |');
    expect(report).to.include('| 2 | 5.00 | 10.00 | 1.25× | 490 | 1 |');
    expect(report).to.include(
      '490.0 MB with --jobs 2 (a worker thread besides the main one) against 300.0 MB with --jobs 1 (+190.0 MB)',
    );
    expect(failedReport).to.include('`classify --jobs` not measured: the CLI printed no result');
  });
});
