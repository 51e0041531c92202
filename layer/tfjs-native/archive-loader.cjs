'use strict';
/**
 * Stand-in for @tensorflow/tfjs-node when the native layer only fits Lambda's 250 MB unzipped limit
 * compressed (prepare-layer.ts, TFJS_NODE_ARCHIVE). On the first require in an execution environment it
 * unpacks package.lvpack (written by packDirectory in prepare-layer.ts) into /tmp, then returns the real
 * package. Later requires, and warm invocations, find the unpacked copy and skip the work.
 *
 * Beside the unpacked package it links node_modules -> this layer's node_modules, so the real tfjs-node
 * resolves @tensorflow/tfjs-core & co. to the very files the function loads from /opt/nodejs/node_modules:
 * one tfjs-core instance, whatever NODE_PATH says.
 *
 * Plain CommonJS with no dependencies: it runs before anything else of the layer is usable.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const MAGIC = 'LVPACK1\n';
const ARCHIVE = path.join(__dirname, 'package.lvpack');
/** This layer's node_modules: the stand-in lives at <node_modules>/@tensorflow/tfjs-node. */
const LAYER_NODE_MODULES = path.resolve(__dirname, '..', '..');

function readHeader(fd) {
  const prefix = Buffer.alloc(MAGIC.length + 4);
  fs.readSync(fd, prefix, 0, prefix.length, 0);
  if (prefix.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new Error(`${ARCHIVE} is not a LambdaVision package archive`);
  }
  const length = prefix.readUInt32BE(MAGIC.length);
  const json = Buffer.alloc(length);
  fs.readSync(fd, json, 0, length, prefix.length);
  return { header: JSON.parse(json.toString('utf8')), dataOffset: prefix.length + length };
}

function ensureSpace(root, needed) {
  if (typeof fs.statfsSync !== 'function') return;
  const stats = fs.statfsSync(root);
  const free = stats.bavail * stats.bsize;
  if (free < needed) {
    throw new Error(
      `unpacking ${path.basename(ARCHIVE)} needs ${Math.ceil(needed / 2 ** 20)} MiB in ${root}, only ${Math.floor(free / 2 ** 20)} MiB free: raise the function's EphemeralStorage`,
    );
  }
}

/** Writes every entry under `dir`, one decompressed chunk at a time. */
function unpack(fd, header, dataOffset, dir) {
  let offset = dataOffset;
  for (const entry of header.entries) {
    const target = path.join(dir, entry.path);
    if (!target.startsWith(dir + path.sep)) throw new Error(`archive entry ${entry.path} escapes ${dir}`);
    if (entry.type === 'dir') {
      fs.mkdirSync(target, { recursive: true });
    } else if (entry.type === 'link') {
      fs.symlinkSync(entry.target, target);
    } else {
      const out = fs.openSync(target, 'w', entry.mode || 0o644);
      try {
        for (const size of entry.chunks) {
          const compressed = Buffer.alloc(size);
          fs.readSync(fd, compressed, 0, size, offset);
          offset += size;
          const data = zlib.brotliDecompressSync(compressed);
          fs.writeSync(out, data);
        }
      } finally {
        fs.closeSync(out);
      }
    }
  }
}

/** The folder holding the unpacked package, unpacking it first when this environment has not yet. */
function unpacked() {
  const fd = fs.openSync(ARCHIVE, 'r');
  try {
    const { header, dataOffset } = readHeader(fd);
    const root = process.env.LAMBDAVISION_UNPACK_DIR || os.tmpdir();
    const home = path.join(
      root,
      `lambdavision-${header.name.replace(/[@/]/g, '_')}-${header.id.slice(0, 16)}`,
    );
    const pkg = path.join(home, 'package');
    if (fs.existsSync(path.join(home, '.complete'))) return { pkg, header };

    const started = process.hrtime.bigint();
    ensureSpace(root, header.unpackedBytes);
    // Unpack beside the final folder and rename: an init that dies half-way leaves no half package behind.
    const partial = `${home}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(path.join(partial, 'package'), { recursive: true });
    fs.symlinkSync(LAYER_NODE_MODULES, path.join(partial, 'node_modules'), 'dir');
    unpack(fd, header, dataOffset, path.join(partial, 'package'));
    fs.writeFileSync(path.join(partial, '.complete'), `${header.name} ${header.version} ${header.id}\n`);
    fs.rmSync(home, { recursive: true, force: true });
    fs.renameSync(partial, home);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // One line in the function's log: the cold-start price of the archive, measured where it is paid.
    console.error(
      JSON.stringify({
        level: 'INFO',
        message: 'unpacked native layer package',
        package: `${header.name}@${header.version}`,
        unpackedBytes: header.unpackedBytes,
        archiveBytes: fs.statSync(ARCHIVE).size,
        into: home,
        durationMs: Math.round(ms),
      }),
    );
    return { pkg, header };
  } finally {
    fs.closeSync(fd);
  }
}

const { pkg, header } = unpacked();
module.exports = require(path.join(pkg, header.main));
