import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chromium } from 'playwright-core';
import { writeEvaluation } from '../../training/evaluate';
import { EVALUATION_FILES, readDataset } from '../../training/index';
import { computeMetrics } from '../../training/metrics';
import type { EvaluationReport } from '../../training/report';
import { tempDir } from '../support/tiny-models';
import { writeColourSet } from './support/colour-set';

const CHROMIUM = '/usr/bin/chromium';

describe('the evaluation report', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is written as JSON, Markdown and a self-contained HTML page that renders in Chromium', async function () {
    // Prepare: three labels, two mistakes (a red taken for green, a blue for "toaster"): macro-F1 (0 + 0.8 + 2/3) / 3.
    const data = await readDataset(writeColourSet(path.join(dir, 'data'), { red: 2, green: 2, blue: 1 }));
    const labels = ['blue', 'green', 'red'];
    const samples = data.items.map((item, i) => {
      const truth = labels.indexOf(item.label);
      const scores = labels.map((_, j) => (j === truth ? 0.8 : 0.1));
      if (i === 0)
        return {
          id: item.id,
          truth,
          scores: [0.1, 0, 0.05],
          predicted: -1,
          predictedName: 'toaster',
          confidence: 0.85,
        };
      if (i === 3) return { id: item.id, truth, scores: [0.05, 0.9, 0.05] };
      return { id: item.id, truth, scores };
    });
    const report: EvaluationReport = {
      model: 'colours',
      data: 'test set',
      date: '2026-01-01T00:00:00.000Z',
      labels,
      metrics: computeMetrics(labels, samples),
      skipped: [{ id: 'broken.png', code: 'CORRUPT_IMAGE', message: 'truncated' }],
    };
    const out = path.join(dir, 'report');

    // Act
    await writeEvaluation(out, report, new Map(data.items.map((i) => [i.id, i])));

    // Assess: the files
    expect(JSON.parse(readFileSync(path.join(out, EVALUATION_FILES.json), 'utf8')).metrics.accuracy).to.equal(
      0.6,
    );
    const markdown = readFileSync(path.join(out, EVALUATION_FILES.markdown), 'utf8');
    expect(markdown).to.include('| blue | green | red | (other) |');
    expect(markdown).to.include('- broken.png: CORRUPT_IMAGE (truncated)');
    const html = readFileSync(path.join(out, EVALUATION_FILES.html), 'utf8');
    expect(html).to.not.match(/(src|href)="(https?:|file:|\/)/);

    // Assess: the page, in a real browser
    if (!existsSync(CHROMIUM)) {
      console.log(`      skipped the browser check: no Chromium at ${CHROMIUM} (apt package chromium)`);
      return;
    }
    this.timeout(60_000);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      await page.goto(`file://${path.join(out, EVALUATION_FILES.html)}`);
      expect(await page.textContent('#summary')).to.equal('Accuracy 60.0% · macro-F1 0.489');
      expect(await page.locator('#confusion tr').count()).to.equal(4);
      expect(await page.locator('#confusion tr').nth(3).locator('td').allTextContents()).to.deep.equal([
        '0',
        '1',
        '1',
        '0',
      ]);
      const widths = await page.$$eval('#mistakes img', (imgs) =>
        imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
      );
      expect(widths).to.deep.equal([32, 32]);
      expect(await page.locator('#skipped li').count()).to.equal(1);
      const box = await page.locator('#confusion').boundingBox();
      expect(box?.width).to.be.greaterThan(100);
      expect(failed).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });
});
