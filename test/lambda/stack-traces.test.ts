import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { buildSync } from 'esbuild';
import { tempDir } from '../support/tiny-models';

const STACK_TRACES = path.resolve('function/lambda/stack-traces.ts');

// A source whose error is thrown on a known line after an await, so the stack has an async frame.
const SOURCE = `export async function handler(): Promise<never> {
  return await fail();
}

async function fail(): Promise<never> {
  await Promise.resolve();
  throw new TypeError('bad event');
}
`;

/** Bundles SOURCE (with or without its map), then runs it under mapStackTracesLazily; answers the stack. */
function stackOf(sourcemap: boolean, mapText?: string): { stack: string; mapReadBeforeStack: boolean } {
  const dir = tempDir('lambdavision-stack-');
  const source = path.join(dir, 'handler.ts');
  writeFileSync(source, SOURCE);
  const bundle = path.join(dir, 'out', 'entry.js');
  buildSync({
    entryPoints: [source],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap,
  });
  const runner = path.join(dir, 'runner.cjs');
  if (mapText !== undefined) writeFileSync(`${bundle}.map`, mapText);
  const mapper = path.join(dir, 'out', 'mapper.cjs');
  buildSync({ entryPoints: [STACK_TRACES], outfile: mapper, bundle: true, platform: 'node', format: 'cjs' });
  writeFileSync(
    runner,
    `const fs = require('node:fs');
const reads = [];
const read = fs.readFileSync;
fs.readFileSync = (file, ...rest) => (reads.push(String(file)), read(file, ...rest));
require(${JSON.stringify(mapper)}).mapStackTracesLazily(${JSON.stringify(bundle)});
const { handler } = require(${JSON.stringify(bundle)});
handler().catch((error) => {
  const early = reads.some((f) => f.endsWith('.map'));
  process.stdout.write(JSON.stringify({ stack: error.stack, mapReadBeforeStack: early }));
});
`,
  );
  const run = spawnSync(process.execPath, [runner], { encoding: 'utf8' });
  expect(run.status, run.stderr).to.equal(0);
  return JSON.parse(run.stdout);
}

describe('stack traces of the bundled function', () => {
  it('name the TypeScript source and line, reading the map only when a stack is formatted', () => {
    const { stack, mapReadBeforeStack } = stackOf(true);

    expect(stack.split('\n')[0]).to.equal('TypeError: bad event');
    expect(stack).to.match(/at fail \(.*handler\.ts:7:9\)/);
    expect(stack).to.match(/at async handler \(.*handler\.ts:2:\d+\)/);
    expect(stack).not.to.match(/entry\.js:\d+/);
    expect(mapReadBeforeStack).to.equal(false);
  });

  it('keep the bundle positions when there is no map', () => {
    const { stack } = stackOf(false);

    expect(stack).to.match(/at fail \(.*entry\.js:\d+:\d+\)/);
  });

  it('keep the bundle positions, and never throw, when the map cannot be read', () => {
    const { stack } = stackOf(true, '{ not json');

    expect(stack.split('\n')[0]).to.equal('TypeError: bad event');
    expect(stack).to.match(/at fail \(.*entry\.js:\d+:\d+\)/);
  });
});
