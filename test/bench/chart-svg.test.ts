import { expect } from 'chai';
import { niceTicks, renderChart } from '../../bench/lib/chart-svg';
import { benchResultsFixture } from './bench-results-fixture';

describe('bench chart', () => {
  it('draws one bar per configuration and scenario measured, with the totals written beside them', () => {
    // Act
    const svg = renderChart(benchResultsFixture());

    // Assess: 3 configurations × 2 scenarios + the cpu backend on one
    expect(svg.startsWith('<svg')).to.equal(true);
    expect(svg.match(/ ms<\/text>/g)).to.have.length(7);
    expect(svg).to.include('1291 ms');
  });

  it('cuts the cpu backend’s bar at the edge and marks it, so it does not flatten the others', () => {
    // Act
    const svg = renderChart(benchResultsFixture());

    // Assess
    expect(svg).to.include('» 3111 ms');
  });

  it('escapes text that would break the SVG', () => {
    // Prepare
    const results = benchResultsFixture();
    results.model.name = 'a<b & "c"';

    // Act
    const svg = renderChart(results);

    // Assess
    expect(svg).to.include('a&lt;b &amp; &quot;c&quot;');
    expect(svg).not.to.include('a<b');
  });

  it('picks round tick steps', () => {
    // Act
    const ticks = niceTicks(1200);

    // Assess
    expect(ticks).to.deep.equal([0, 200, 400, 600, 800, 1000, 1200]);
  });
});
