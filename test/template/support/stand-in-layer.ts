import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A layer folder shaped like what `npm ci` leaves for the native layer, with fake libraries of chosen
 * sizes instead of libtensorflow: enough to exercise pruning, trimming, symlinks, stripping, the size
 * guard and the archive without downloading anything.
 */
export interface StandInOptions {
  libtensorflowBytes?: number;
  frameworkBytes?: number;
}

/** Bytes that start like an ELF file; the rest is a repeated pattern (compresses well, like nothing real). */
export function fakeElf(bytes: number, seed = 1): Buffer {
  const block = Buffer.alloc(4096);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + seed * 17) % 251;
  const out = Buffer.alloc(bytes);
  for (let offset = 0; offset < bytes; offset += block.length) block.copy(out, offset);
  Buffer.from('\x7fELF', 'latin1').copy(out, 0);
  return out;
}

function write(file: string, content: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function pkg(
  nodeModules: string,
  name: string,
  json: Record<string, unknown>,
  files: Record<string, string | Buffer> = {},
): string {
  const dir = path.join(nodeModules, name);
  write(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...json }, null, 2));
  for (const [rel, content] of Object.entries(files)) write(path.join(dir, rel), content);
  return dir;
}

/** The five packages the function leaves external, as single-bundle packages like the real ones. */
export function writeLeanPackages(nodeModules: string): void {
  pkg(
    nodeModules,
    '@tensorflow/tfjs-core',
    {
      version: '4.22.0',
      main: 'dist/tf-core.node.js',
      dependencies: { long: '4.0.0', '@types/long': '^4.0.1' },
    },
    {
      'dist/tf-core.node.js':
        "'use strict';\nrequire('long');\nexports.marker = { instance: Math.random() };\n",
      'dist/tf-core.js': '/* browser bundle */',
      'dist/tf-core.min.js': '/* minified */',
      'dist/tf-core.node.js.map': '{}',
      'dist/index.js': 'export * from "./base";',
      'dist/index.d.ts': 'export {};',
      'README.md': '# core',
    },
  );
  for (const name of ['tfjs-layers', 'tfjs-converter', 'tfjs-backend-cpu']) {
    pkg(
      nodeModules,
      `@tensorflow/${name}`,
      { version: '4.22.0', main: `dist/tf-${name.replace('tfjs-', '')}.node.js` },
      {
        [`dist/tf-${name.replace('tfjs-', '')}.node.js`]: "require('@tensorflow/tfjs-core');\n",
        'dist/ops/x.js': '',
      },
    );
  }
  pkg(
    nodeModules,
    '@tensorflow/tfjs-backend-wasm',
    {
      version: '4.22.0',
      main: 'dist/tf-backend-wasm.node.js',
      dependencies: { '@tensorflow/tfjs-backend-cpu': '4.22.0' },
    },
    {
      'dist/tf-backend-wasm.node.js': "require('@tensorflow/tfjs-core');\n",
      'dist/tfjs-backend-wasm.wasm': Buffer.alloc(1000, 1),
      'dist/tfjs-backend-wasm-simd.wasm': Buffer.alloc(1000, 2),
      'dist/tfjs-backend-wasm-threaded-simd.wasm': Buffer.alloc(1000, 3),
      'wasm-out/tfjs-backend-wasm.wasm': Buffer.alloc(1000, 4),
      'wasm-out/tfjs-backend-wasm.js': '',
    },
  );
  pkg(
    nodeModules,
    'long',
    { main: 'src/long.js' },
    { 'src/long.js': 'module.exports = {};', LICENSE: 'Apache-2.0' },
  );
  pkg(nodeModules, '@types/long', { types: 'index.d.ts' }, { 'index.d.ts': 'export {};' });
}

/** A native layer folder (ARTIFACTS_DIR) as `npm ci` of layer/tfjs-native would leave it. */
export function writeNativeStandIn(layer: string, options: StandInOptions = {}): string {
  const nodejs = path.join(layer, 'nodejs');
  const nm = path.join(nodejs, 'node_modules');
  write(path.join(nodejs, 'package.json'), '{"name":"lambdavision-layer-tfjs-native"}');
  write(path.join(nodejs, 'package-lock.json'), '{}');
  write(path.join(nm, '.package-lock.json'), '{}');
  writeLeanPackages(nm);

  const tfjsNode = pkg(
    nm,
    '@tensorflow/tfjs-node',
    {
      version: '4.22.0',
      main: 'dist/index.js',
      dependencies: {
        '@tensorflow/tfjs': '4.22.0',
        'adm-zip': '^0.5.2',
        progress: '^2.0.0',
        'google-protobuf': '^3.9.2',
      },
    },
    {
      // Like the real dist: the union package, progress, and the util call Node 23 removed.
      'dist/index.js': [
        "'use strict';",
        "var util_1 = require('util');",
        "var fs = require('fs');",
        "var path = require('path');",
        "var tf = require('@tensorflow/tfjs');",
        "require('progress');",
        "require('google-protobuf');",
        'function check(x) { if ((0, util_1.isNullOrUndefined)(x)) { throw new Error("Invalid input"); } return x; }',
        'exports.check = check;',
        'exports.tf = tf;',
        "exports.core = require('@tensorflow/tfjs-core');",
        "exports.libtensorflowBytes = fs.statSync(path.join(__dirname, '..', 'deps', 'lib', 'libtensorflow.so.2')).size;",
        "exports.bindingBytes = fs.statSync(path.join(__dirname, '..', 'lib', 'napi-v8', 'tfjs_binding.node')).size;",
        '',
      ].join('\n'),
      'dist/kernels/TopK.js':
        'var util_1 = require("util");\nvar k = (0, util_1.isNullOrUndefined)(undefined) ? 1 : 2;\n',
      'dist/index.d.ts': 'export {};',
      'dist/index.js.map': '{}',
      'dist/index_test.js': "require('jasmine');",
      'dist/run_tests.js': "require('jasmine');",
      'src/index.ts': 'export {};',
      'binding/tfjs_backend.cc': '// C++',
      'binding.gyp': '{}',
      'scripts/install.js': "require('adm-zip');",
      'python/x.py': '',
      'README.md': '# tfjs-node',
      LICENSE: 'Apache-2.0',
      'deps/include/tensorflow/c/c_api.h': '/* header */',
      'deps/LICENSE': 'TensorFlow licence',
      'deps/lib/libtensorflow.so.2.9.1': fakeElf(options.libtensorflowBytes ?? 512 * 1024, 1),
      'deps/lib/libtensorflow_framework.so.2.9.1': fakeElf(options.frameworkBytes ?? 64 * 1024, 2),
      'lib/napi-v8/tfjs_binding.node': fakeElf(32 * 1024, 3),
      'build/Release/obj.target/tfjs_binding/binding/tfjs_backend.o': fakeElf(4096, 4),
      'build/Makefile': 'all:',
    },
  );
  for (const lib of ['libtensorflow', 'libtensorflow_framework']) {
    const dir = path.join(tfjsNode, 'deps', 'lib');
    symlinkSync(`${lib}.so.2.9.1`, path.join(dir, `${lib}.so.2`));
    symlinkSync(`${lib}.so.2`, path.join(dir, `${lib}.so`));
  }

  pkg(
    nm,
    '@tensorflow/tfjs',
    {
      version: '4.22.0',
      main: 'dist/tf.node.js',
      dependencies: {
        '@tensorflow/tfjs-core': '4.22.0',
        'core-js': '3.29.1',
        yargs: '^16.0.3',
        chalk: '^4.1.0',
      },
    },
    {
      'dist/tf.node.js': "'use strict';\nmodule.exports = require('@tensorflow/tfjs-core');\n",
      'dist/tf.min.js': 'x'.repeat(2048),
      'dist/tf.es2017.js': 'x'.repeat(2048),
      'dist/tf.node.js.map': '{}',
      'dist/miniprogram/index.js': '',
    },
  );
  pkg(nm, 'core-js', { main: 'index.js' }, { 'index.js': 'x'.repeat(4096) });
  pkg(
    nm,
    'yargs',
    { main: 'index.cjs', dependencies: { cliui: '^7.0.2', 'string-width': '^4.2.0' } },
    { 'index.cjs': '' },
  );
  pkg(nm, 'cliui', { main: 'index.js' }, { 'index.js': '' });
  pkg(nm, 'chalk', { main: 'index.js' }, { 'index.js': '' });
  pkg(nm, 'adm-zip', { main: 'adm-zip.js' }, { 'adm-zip.js': '' });
  // Needed by a kept package as well as by a pruned one: stays.
  pkg(
    nm,
    'string-width',
    { main: 'index.js' },
    { 'index.js': 'module.exports = () => 0;', 'test/x.js': '', 'readme.md': '' },
  );
  pkg(
    nm,
    'progress',
    { main: 'index.js', dependencies: { 'string-width': '^4.2.0', 'nested-dep': '^1.0.0' } },
    {
      'index.js': "require('string-width'); require('nested-dep');",
      Makefile: 'test:',
      '.npmignore': '',
      'History.md': '',
    },
  );
  pkg(
    path.join(nm, 'progress', 'node_modules'),
    'nested-dep',
    { main: 'index.js' },
    { 'index.js': '', 'index.d.ts': '' },
  );
  pkg(nm, 'google-protobuf', { main: 'google-protobuf.js' }, { 'google-protobuf.js': '' });
  mkdirSync(path.join(nm, '.bin'), { recursive: true });
  symlinkSync('../@tensorflow/tfjs-node/scripts/install.js', path.join(nm, '.bin', 'tfjs-install'));
  return nm;
}
