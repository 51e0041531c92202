import path from 'node:path';
import { defineCommand } from '../cli/command';
import { buildFunctionBundle, PROJECT_ROOT } from './function-bundle';

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

export const buildCommand = defineCommand({
  name: 'build',
  description:
    'Builds the Lambda bundle into dist/function (entry.js, its map and jimp-codecs.cjs) with esbuild, as SAM does, and prints its sizes and largest inputs.',
  options: {},
  exitCodes: { 1: 'the build failed' },
  async run(_args, io) {
    const bundle = await buildFunctionBundle();
    const rel = (p: string) => path.relative(PROJECT_ROOT, p);
    const say = (line: string) => io.stdout.write(`${line}\n`);
    say(`built ${rel(bundle.file)} in ${Math.round(bundle.ms)} ms`);
    for (const { name, bytes } of bundle.files)
      say(`  ${rel(path.join(bundle.dir, name)).padEnd(36)} ${kib(bytes)}`);
    say('  largest inputs:');
    for (const { name, bytes } of bundle.inputs.slice(0, 8)) say(`    ${name.padEnd(36)} ${kib(bytes)}`);
    return 0;
  },
});
