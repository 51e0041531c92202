import path from 'node:path';
import { buildFunctionBundle, PROJECT_ROOT } from './lib/function-bundle';

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** `npm run build`: the Lambda bundle into dist/function (entry.js + entry.js.map), with its sizes. */
async function main(): Promise<void> {
  const bundle = await buildFunctionBundle();
  const rel = (p: string) => path.relative(PROJECT_ROOT, p);
  console.log(`built ${rel(bundle.file)} in ${Math.round(bundle.ms)} ms`);
  console.log(`  ${rel(bundle.file)}      ${kib(bundle.bytes)}`);
  console.log(`  ${rel(bundle.file)}.map  ${kib(bundle.mapBytes)}`);
  console.log('  largest inputs:');
  for (const { name, bytes } of bundle.inputs.slice(0, 8))
    console.log(`    ${name.padEnd(36)} ${kib(bytes)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
