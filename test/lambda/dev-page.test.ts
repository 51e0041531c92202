import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { type Browser, chromium } from 'playwright-core';
import sharp from 'sharp';
import { type DevServer, startDevServer } from '../../scripts/lib/dev-server';
import { photosDir, requireShared } from '../support/shared-data';
import { RecordingLogger } from './support/fakes';
import { localS3Client } from './support/local-s3-client';
import { requireRealModel } from './support/real-classifier';

// Debian's chromium; CI installs it with apt (see .ci/run). LAMBDAVISION_CHROMIUM points elsewhere.
const CHROMIUM = process.env.LAMBDAVISION_CHROMIUM ?? '/usr/bin/chromium';
const BAR_BLUE = [0x33, 0x66, 0xcc]; // the page's confidence bars (#36c)

/** Pixels of a PNG close to an RGB colour. */
async function pixelsNear(png: Buffer, rgb: number[]): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let count = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (rgb.every((v, c) => Math.abs((data[i + c] as number) - v) <= 8)) count += 1;
  }
  return count;
}

describe('the dev page in a real browser (headless Chromium)', () => {
  let server: DevServer;
  let client: S3Client;
  let browser: Browser;
  let photos: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(
        `      skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set LAMBDAVISION_CHROMIUM)`,
      );
      this.skip();
    }
    const real = await requireRealModel(this);
    photos = requireShared(this, photosDir());
    server = await startDevServer({
      modelDir: real.modelDir,
      port: 0,
      classifier: real.classifier,
      logger: new RecordingLogger(),
      say: () => undefined,
      print: () => undefined,
    });
    client = localS3Client(server.endpoint);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    client?.destroy();
    await server?.close();
  });

  it('labels a chosen image with bars, parents and colours, and lists the latest uploads', async () => {
    // Prepare: an upload the trigger classifies, to appear in the list.
    await client.send(
      new PutObjectCommand({
        Bucket: server.bucket,
        Key: 'uploads/eagle.jpg',
        Body: readFileSync(path.join(photos, 'eagle.jpg')),
      }),
    );
    await server.idle();
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });

    // Act: open the page and choose a photo, as a person would.
    await page.goto(`${server.apiEndpoint}/`);
    await page.setInputFiles('#file', path.join(photos, 'dog.jpg'));
    await page.waitForSelector('body[data-state="labelled"]', { timeout: 30_000 });
    await page.waitForSelector('.upload img', { timeout: 15_000 });

    // Assess: the labels, their parents and categories, the colours, the upload list.
    const labels = await page.locator('#labels .label strong').allTextContents();
    expect(labels).to.include.members(['Animal', 'Mammal', 'Dog']);
    expect(await page.locator('#labels').textContent()).to.include('Animals and Pets');
    expect(await page.locator('#labels').textContent()).to.match(/Pet › Canine › Mammal › Animal/);
    expect(await page.locator('#colors .swatch').count()).to.be.within(1, 6);
    expect(await page.locator('#error').textContent()).to.equal('');
    const uploads = await page.locator('#uploads').textContent();
    expect(uploads).to.include('uploads/eagle.jpg').and.include('Bird');
    // The thumbnail, served from the local bucket, has loaded.
    await page.waitForFunction(
      "(() => { const img = document.querySelector('.upload img'); return img.complete && img.naturalWidth > 0; })()",
      undefined,
      { timeout: 15_000 },
    );

    // Assess: the screenshot shows the confidence bars (pixels of the bars' colour, in the labels' box).
    const shot = await page.locator('#labels').screenshot();
    expect(await pixelsNear(shot, BAR_BLUE)).to.be.greaterThan(500);
    if (process.env.LAMBDAVISION_PAGE_SCREENSHOT) {
      await page.screenshot({ path: process.env.LAMBDAVISION_PAGE_SCREENSHOT, fullPage: true });
    }
    await page.close();
  });

  it("shows Rekognition's error for a file that is not an image", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.apiEndpoint}/`);
    await page.setInputFiles('#file', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello'),
    });
    await page.waitForFunction("document.getElementById('error').textContent !== ''", undefined, {
      timeout: 15_000,
    });
    expect(await page.locator('#error').textContent()).to.match(/^InvalidImageFormatException: /);
    await page.close();
  });
});
