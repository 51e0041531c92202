import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type SharpModule from 'sharp';
import { projectPath } from './lib/project';
import { prepareScenarioImages } from './lib/scenario-images';
import { median } from './lib/stats';

/**
 * The measurement behind the choice of libvips decoder for the function (docs/benchmarks.md): sharp
 * (native, npm) against wasm-vips (libvips in WebAssembly), each in fresh processes, on the bench's scenario
 * images: import time, first and warm decode + shrink to 448 px on the short side (what the classifier
 * asks for), peak RSS, package size. wasm-vips is not a dependency: install it anywhere and pass
 * `--wasm-vips <its node_modules folder>`.
 *
 *   npx tsx bench/libvips-candidates.ts --photos $LAMBDAVISION_SHARED/images --wasm-vips /tmp/wv/node_modules
 */

const SHORT_SIDE = 448;

async function child(lib: string, file: string, repeats: number, modules: string): Promise<void> {
  const t0 = performance.now();
  const load = createRequire(path.join(modules, 'index.js'));
  let shrink: (bytes: Buffer) => Promise<number>;
  if (lib === 'sharp') {
    const sharp = load('sharp') as typeof SharpModule;
    sharp.cache(false);
    sharp.concurrency(1);
    shrink = async (bytes) => {
      const { data } = await sharp(bytes, { failOn: 'error', autoOrient: true })
        .resize({ width: SHORT_SIDE, height: SHORT_SIDE, fit: 'outside', withoutEnlargement: true })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return data.length;
    };
  } else {
    // biome-ignore lint/suspicious/noExplicitAny: wasm-vips is not a dependency, so it has no types here
    const Vips = (await import(path.join(modules, 'wasm-vips', 'lib', 'vips-node.mjs'))).default as any;
    const vips = await Vips({ dynamicLibraries: [] });
    vips.concurrency(1);
    vips.Cache.max(0);
    shrink = async (bytes) => {
      const header = vips.Image.newFromBuffer(bytes, '', { access: 'sequential' });
      const scale = SHORT_SIDE / Math.min(header.width, header.height);
      const [w, h] = [Math.round(header.width * scale), Math.round(header.height * scale)];
      header.delete();
      const thumb = vips.Image.thumbnailBuffer(bytes, w, { height: h, size: 'down' });
      const rgb = thumb.colourspace('srgb');
      const rgba = rgb.hasAlpha() ? rgb : rgb.bandjoin([255]);
      const length = rgba.writeToMemory().length;
      for (const image of new Set([thumb, rgb, rgba])) image.delete();
      return length;
    };
  }
  const importMs = performance.now() - t0;
  const bytes = readFileSync(file);
  const f0 = performance.now();
  await shrink(bytes);
  const firstMs = performance.now() - f0;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const s = performance.now();
    await shrink(bytes);
    times.push(performance.now() - s);
  }
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ importMs, firstMs, warmMs: median(times), maxRssMB })}\n`);
}

const dirSize = (dir: string): number =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => argv[argv.indexOf(name) + 1];
  if (argv[0] === '--child') {
    await child(argv[1] as string, argv[2] as string, Number(argv[3]), argv[4] as string);
    return;
  }
  const photos = arg('--photos');
  if (!photos) throw new Error('name --photos <dir> (the sample photos, e.g. $LAMBDAVISION_SHARED/images)');
  const candidates: Array<[string, string]> = [['sharp', projectPath('node_modules')]];
  const wasmVips = argv.includes('--wasm-vips') ? arg('--wasm-vips') : undefined;
  if (wasmVips) candidates.push(['wasm-vips', path.resolve(wasmVips)]);
  else console.error('wasm-vips left out: pass --wasm-vips <node_modules folder holding it>');
  const images = await prepareScenarioImages(photos, false);
  const runs = 3;
  console.log('| decoder | image | import ms | first ms | warm ms | peak RSS MB |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const image of images) {
    for (const [lib, modules] of candidates) {
      const samples = Array.from({ length: runs }, () => {
        const run = spawnSync(
          process.execPath,
          ['--import', 'tsx', import.meta.filename, '--child', lib, image.file, '10', modules],
          { encoding: 'utf8' },
        );
        if (run.status !== 0) throw new Error(`${lib} failed on ${image.label}: ${run.stderr.slice(-400)}`);
        return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, number>;
      });
      const m = (key: string) => median(samples.map((s) => s[key] as number)).toFixed(0);
      console.log(
        `| ${lib} | ${image.label} | ${m('importMs')} | ${m('firstMs')} | ${m('warmMs')} | ${m('maxRssMB')} |`,
      );
    }
  }
  const sizes = [
    ['sharp', ['sharp', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64', '@img/colour']],
    ['wasm-vips', ['wasm-vips']],
  ] as const;
  for (const [lib, packages] of sizes) {
    const modules = candidates.find(([name]) => name === lib)?.[1];
    if (!modules) continue;
    const bytes = packages.reduce((sum, p) => sum + dirSize(path.join(modules, p)), 0);
    console.log(`${lib}: ${(bytes / 2 ** 20).toFixed(1)} MB installed (${packages.join(', ')})`);
  }
}

await main(process.argv.slice(2));
