/**
 * Turns a freshly installed Node.js layer (`<layer>/nodejs/node_modules`) into what Lambda needs and no
 * more: prunes packages nothing loads at run time, removes files Lambda never reads (types, source maps,
 * docs, sources, build leftovers), patches known run-time bugs, turns symlinks into plain files, strips
 * shared objects, prints the size after every step and fails when the layer cannot fit Lambda's unzipped
 * limit beside the function and the model. For the native layer it can move @tensorflow/tfjs-node into a
 * brotli archive that `tfjs-native/archive-loader.cjs` unpacks into /tmp at init.
 *
 * Self-contained on purpose: SAM's build container sees only the layer/ folder, and Node 24 runs this file
 * as it is (type stripping), so it imports nothing but node: modules and uses only erasable TypeScript.
 *
 *   node prepare-layer.ts trim --profile wasm|native --layer DIR [--archive auto|always|never]
 *        [--loader FILE] [--reserve-function MB] [--reserve-model MB] [--label NAME]
 *   node prepare-layer.ts copy-packages --manifest package.json --from node_modules --to node_modules
 *   node prepare-layer.ts budget [--limit BYTES] DIR...
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

// ---------------------------------------------------------------------------------------------------
// Budget
// ---------------------------------------------------------------------------------------------------

/**
 * Lambda's quota "deployment package (.zip) size, 250 MB unzipped, including layers": the function and all
 * its layers together, counted in bytes as Lambda's own error says ("Unzipped size must be smaller than
 * 262144000 bytes"), i.e. 250 MiB. Sizes printed here are MiB, the unit of that limit.
 */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000;
export const MIB = 1024 * 1024;
/**
 * Room kept for the function's own artifact: the esbuild bundle (jimp, AWS SDK, Powertools, zod, the
 * classifier) measured 5.5 MiB plus a 10.2 MiB source map; 30 MiB leaves room to grow.
 */
export const DEFAULT_FUNCTION_RESERVE_MIB = 30;
/**
 * Room kept for the model layer: MobileNet v2 is 3.6 MiB as TensorFlow Lite (the default) or 3.5 MiB in
 * TensorFlow.js format. ResNet-50 (float32, about 100 MiB) needs MODEL_RESERVE=110 — with it the native
 * layer is archived sooner.
 */
export const DEFAULT_MODEL_RESERVE_MIB = 25;

export interface Reserves {
  functionBytes: number;
  modelBytes: number;
}

/** Bytes left for one tfjs layer (only one of the native and wasm layers is ever attached). */
export function layerBudget(reserves: Reserves, limit = LAMBDA_UNZIPPED_LIMIT_BYTES): number {
  return limit - reserves.functionBytes - reserves.modelBytes;
}

export const formatMiB = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

// ---------------------------------------------------------------------------------------------------
// What each layer keeps
// ---------------------------------------------------------------------------------------------------

/** The packages the function bundle leaves external (scripts/lib/bundle-options.ts): one copy, from a layer. */
export const LEAN_TFJS_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
] as const;

export interface PackagePatch {
  package: string;
  /** Files to patch, as globs relative to the package folder. */
  files: string;
  search: string;
  replace: string;
  why: string;
}

export interface LayerProfile {
  /** Packages the function loads from the layer; everything they need at run time stays. */
  entries: readonly string[];
  /** Dependencies a package declares but never loads at run time, with the reason. */
  unusedDependencies: Readonly<Record<string, { names: readonly string[]; why: string }>>;
  /** Packages that ship one CommonJS bundle for Node (their `main`): only it, package.json, licences and `keep` stay. */
  bundleOnly: Readonly<Record<string, readonly string[]>>;
  /** Paths (globs relative to the package) removed from a package: sources, headers, build leftovers. */
  removePaths: Readonly<Record<string, readonly string[]>>;
  patches: readonly PackagePatch[];
  /** The package moved into the compressed archive when the layer does not fit. */
  archivePackage?: string;
}

const TFJS_BUNDLES: Record<string, readonly string[]> = {
  '@tensorflow/tfjs-core': [],
  '@tensorflow/tfjs-layers': [],
  '@tensorflow/tfjs-converter': [],
  '@tensorflow/tfjs-backend-cpu': [],
  // The classifier points setWasmPaths at dist/: the three binaries (plain, SIMD, threaded SIMD) stay.
  '@tensorflow/tfjs-backend-wasm': ['dist/*.wasm'],
};

export const PROFILES: Readonly<Record<'wasm' | 'native', LayerProfile>> = {
  wasm: {
    entries: LEAN_TFJS_PACKAGES,
    unusedDependencies: {},
    bundleOnly: TFJS_BUNDLES,
    removePaths: {},
    patches: [],
  },
  native: {
    entries: ['@tensorflow/tfjs-node', ...LEAN_TFJS_PACKAGES],
    unusedDependencies: {
      '@tensorflow/tfjs-node': {
        names: ['adm-zip', 'https-proxy-agent', 'rimraf', 'tar'],
        why: 'used by its install script to download libtensorflow, never required by dist/ (progress is: callbacks.js)',
      },
      '@tensorflow/tfjs': {
        names: ['argparse', 'chalk', 'core-js', 'regenerator-runtime', 'yargs'],
        why: 'its command-line tools and browser polyfills; dist/tf.node.js requires none of them',
      },
      '@mapbox/node-pre-gyp': {
        names: ['https-proxy-agent', 'make-dir', 'node-fetch', 'rimraf', 'tar'],
        why: 'used by its install/publish commands; tfjs-node only calls find(), which loads none of them',
      },
    },
    bundleOnly: {
      ...TFJS_BUNDLES,
      '@tensorflow/tfjs': [],
      '@tensorflow/tfjs-data': [],
      // Not removable: @tensorflow/tfjs's node entry requires it. Its node bundle is under 1 MiB.
      '@tensorflow/tfjs-backend-webgl': [],
    },
    removePaths: {
      '@tensorflow/tfjs-node': [
        'binding',
        'binding.gyp',
        'build',
        'deps/include',
        'deps/lib/*.so',
        'dist/**/*_test.js',
        'dist/run_tests.js',
        'python',
        'scripts',
        'src',
        '*.md',
      ],
    },
    patches: [
      {
        package: '@tensorflow/tfjs-node',
        files: 'dist/**/*.js',
        search: '(0, util_1.isNullOrUndefined)',
        replace: '((value) => value == null)',
        why: 'Node 23 removed util.isNullOrUndefined; tfjs-node 4.22.0 still calls it in most kernels (tensorflow/tfjs#8609, fixed upstream by #8425 but not released)',
      },
    ],
    archivePackage: '@tensorflow/tfjs-node',
  },
};

// ---------------------------------------------------------------------------------------------------
// Walking a tree
// ---------------------------------------------------------------------------------------------------

const posix = (p: string): string => p.split(path.sep).join('/');

/** Every file, link and folder under `dir` (folders after their contents), with POSIX relative paths. */
function walk(
  dir: string,
  base = dir,
  out: { rel: string; full: string; kind: 'file' | 'dir' | 'link' }[] = [],
) {
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const info = lstatSync(full);
    const rel = posix(path.relative(base, full));
    if (info.isSymbolicLink()) out.push({ rel, full, kind: 'link' });
    else if (info.isDirectory()) {
      walk(full, base, out);
      out.push({ rel, full, kind: 'dir' });
    } else out.push({ rel, full, kind: 'file' });
  }
  return out;
}

/**
 * Bytes the unzipped layer takes: regular files by size, a symlink by what it points to (zip tools that
 * follow links store the target's bytes again), folders as nothing.
 */
export function treeSize(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of walk(dir)) {
    if (entry.kind === 'file') total += lstatSync(entry.full).size;
    if (entry.kind === 'link') {
      const target = statSync(entry.full, { throwIfNoEntry: false });
      if (target?.isFile()) total += target.size;
    }
  }
  return total;
}

/** A small glob: `*` within one path segment, `**` across segments. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------------------------
// Packages and their dependency graph
// ---------------------------------------------------------------------------------------------------

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface InstalledPackage {
  dir: string;
  json: PackageJson;
}

const readPackageJson = (dir: string): PackageJson =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;

/** Every package folder under a node_modules tree, nested ones included. */
export function listPackages(nodeModules: string): InstalledPackage[] {
  const found: InstalledPackage[] = [];
  const visit = (modulesDir: string): void => {
    if (!existsSync(modulesDir)) return;
    for (const name of readdirSync(modulesDir).sort()) {
      if (name.startsWith('.')) continue;
      const full = path.join(modulesDir, name);
      if (!lstatSync(full).isDirectory()) continue;
      const dirs = name.startsWith('@') ? readdirSync(full).map((n) => path.join(full, n)) : [full];
      for (const dir of dirs) {
        if (!existsSync(path.join(dir, 'package.json'))) continue;
        found.push({ dir, json: readPackageJson(dir) });
        visit(path.join(dir, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return found;
}

/** Node's lookup: the package's own node_modules, then each enclosing node_modules up to the root. */
function resolvePackage(name: string, fromDir: string, root: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate =
      path.basename(dir) === 'node_modules' ? path.join(dir, name) : path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.resolve(dir) === path.resolve(root)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Type declarations are never loaded at run time. */
const isTypesOnly = (name: string): boolean => name.startsWith('@types/') || name === '@webgpu/types';

/**
 * The package folders reachable from the profile's entries through run-time dependencies, skipping the
 * edges the profile names as unused and every types-only package.
 */
export function reachablePackages(
  nodeModules: string,
  profile: LayerProfile,
  log: (line: string) => void,
): Set<string> {
  const reached = new Set<string>();
  const queue: string[] = [];
  for (const entry of profile.entries) {
    const dir = resolvePackage(entry, nodeModules, nodeModules);
    if (!dir) throw new LayerError(`${entry} is not installed in ${nodeModules}: the layer must provide it`);
    queue.push(dir);
  }
  while (queue.length > 0) {
    const dir = queue.pop() as string;
    const real = path.resolve(dir);
    if (reached.has(real)) continue;
    reached.add(real);
    const json = readPackageJson(dir);
    const unused = new Set(profile.unusedDependencies[json.name ?? '']?.names ?? []);
    const optional = new Set(Object.keys(json.optionalDependencies ?? {}));
    const names = new Set([
      ...Object.keys(json.dependencies ?? {}),
      ...optional,
      ...Object.keys(json.peerDependencies ?? {}),
    ]);
    for (const name of names) {
      if (unused.has(name) || isTypesOnly(name)) continue;
      const depDir = resolvePackage(name, dir, nodeModules);
      if (depDir) queue.push(depDir);
      else if (!optional.has(name) && !(json.peerDependencies && name in json.peerDependencies)) {
        log(`  warning: ${json.name} depends on ${name}, which is not installed`);
      }
    }
  }
  return reached;
}

// ---------------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------------

export class LayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerError';
  }
}

/** Removes package folders that no entry reaches at run time. Returns the names removed. */
export function pruneUnusedPackages(
  nodeModules: string,
  profile: LayerProfile,
  log: (line: string) => void,
): string[] {
  const keep = reachablePackages(nodeModules, profile, log);
  const removed: string[] = [];
  // Deepest first, so a nested package is judged before its parent folder goes.
  const all = listPackages(nodeModules).sort((a, b) => b.dir.length - a.dir.length);
  for (const pkg of all) {
    if (keep.has(path.resolve(pkg.dir)) || !existsSync(pkg.dir)) continue;
    rmSync(pkg.dir, { recursive: true, force: true });
    removed.push(posix(path.relative(nodeModules, pkg.dir)));
  }
  for (const name of readdirSync(nodeModules)) {
    const full = path.join(nodeModules, name);
    if (name.startsWith('@') && lstatSync(full).isDirectory() && readdirSync(full).length === 0)
      rmSync(full, { recursive: true });
  }
  return removed.sort();
}

const LICENCE = /^(licen[cs]e|notice|copying)([.-].*)?$/i;

/** Files no package needs at run time, whatever the package. */
const NEVER_LOADED_FILES: readonly RegExp[] = [
  /\.d\.[cm]?ts$/, // type declarations
  /\.[cm]?ts$/, // TypeScript sources (packages run their compiled JavaScript)
  /\.map$/, // source maps of layer code (the function keeps its own)
  /\.tsbuildinfo$/,
  /(^|\/)tsconfig[^/]*\.json$/,
  /\.(md|markdown)$/i,
  /(^|\/)(readme|changelog|changes|history|authors|contributing)(\.[^/]*)?$/i,
  /\.(c|cc|cpp|cxx|h|hh|hpp|o|obj|a|lib|gyp|gypi)$/, // native sources, objects, static libraries
  /(^|\/)Makefile$/,
  /\.(bat|cmd|ps1)$/,
  /(^|\/)\.[^/]+$/, // dotfiles: .npmignore, .eslintrc, .travis.yml, .nvmrc, .gitkeep, ...
  /(^|\/)(Gruntfile|Gulpfile)\.js$/i,
  /(^|\/)(bower|component)\.json$/, // manifests of browser package managers
];
/** Folders no package needs at run time. */
const NEVER_LOADED_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'example',
  'examples',
  'docs',
  'doc',
  '.github',
  'benchmark',
  'benchmarks',
  'coverage',
  '.nyc_output',
]);

/** Whether `rel` (relative to its package) is loaded at run time by anyone. */
export function isNeverLoaded(rel: string): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (LICENCE.test(name)) return false;
  return NEVER_LOADED_FILES.some((re) => re.test(rel));
}

function removeMatching(dir: string, test: (rel: string, kind: 'file' | 'dir' | 'link') => boolean): number {
  let count = 0;
  for (const entry of walk(dir)) {
    if (!existsSync(entry.full) && entry.kind !== 'link') continue;
    if (test(entry.rel, entry.kind)) {
      rmSync(entry.full, { recursive: true, force: true });
      count++;
    }
  }
  return count;
}

/** The part of a package folder's path that belongs to the package (nested node_modules excluded). */
function ownFiles(pkgDir: string, test: (rel: string, kind: 'file' | 'dir' | 'link') => boolean): number {
  return removeMatching(
    pkgDir,
    (rel, kind) => !rel.startsWith('node_modules/') && rel !== 'node_modules' && test(rel, kind),
  );
}

/** Applies the generic rules, the bundle-only rules and the profile's paths. Returns files removed. */
export function removeNeverLoadedFiles(nodeModules: string, profile: LayerProfile): number {
  let removed = 0;
  // Command shims (.bin, nested ones too), npm's bookkeeping and caches: nothing Lambda loads.
  removed += removeMatching(nodeModules, (rel, kind) => {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    const parent = rel.slice(0, Math.max(0, rel.lastIndexOf('/')));
    const inModules = parent === '' || parent.endsWith('node_modules');
    return (
      inModules &&
      ((kind === 'dir' && (name === '.bin' || name === '.cache')) || name === '.package-lock.json')
    );
  });
  for (const pkg of listPackages(nodeModules)) {
    if (!existsSync(pkg.dir)) continue;
    const name = pkg.json.name ?? '';
    const keepGlobs = profile.bundleOnly[name];
    if (keepGlobs) {
      const main = posix(path.normalize(pkg.json.main ?? 'index.js'));
      const keep = [globToRegExp(main), globToRegExp(`${main}.js`), ...keepGlobs.map(globToRegExp)];
      removed += ownFiles(pkg.dir, (rel, kind) => {
        if (kind === 'dir') return readdirSync(path.join(pkg.dir, rel)).length === 0;
        if (rel === 'package.json' || LICENCE.test(rel.slice(rel.lastIndexOf('/') + 1))) return false;
        return !keep.some((re) => re.test(rel));
      });
      continue;
    }
    const paths = (profile.removePaths[name] ?? []).map(globToRegExp);
    removed += ownFiles(pkg.dir, (rel, kind) => {
      if (paths.some((re) => re.test(rel))) return true;
      const segments = rel.split('/');
      if (kind === 'dir' && NEVER_LOADED_DIRS.has(segments[segments.length - 1] as string)) return true;
      if (kind === 'dir') return readdirSync(path.join(pkg.dir, rel)).length === 0;
      return isNeverLoaded(rel);
    });
  }
  return removed;
}

/** Applies the profile's patches; fails when a patch leaves its pattern behind. Returns places patched. */
export function patchPackages(
  nodeModules: string,
  profile: LayerProfile,
  log: (line: string) => void,
): number {
  let total = 0;
  for (const patch of profile.patches) {
    const dir = resolvePackage(patch.package, nodeModules, nodeModules);
    if (!dir) continue;
    const files = globToRegExp(patch.files);
    let count = 0;
    for (const entry of walk(dir)) {
      if (entry.kind !== 'file' || !files.test(entry.rel)) continue;
      const text = readFileSync(entry.full, 'utf8');
      if (!text.includes(patch.search)) continue;
      const parts = text.split(patch.search);
      count += parts.length - 1;
      writeFileSync(entry.full, parts.join(patch.replace));
    }
    log(
      count > 0
        ? `  patched ${count} call(s) in ${patch.package}: ${patch.why}`
        : `  nothing to patch in ${patch.package} (${patch.search} not found: a fixed release?)`,
    );
    total += count;
  }
  return total;
}

/** `libfoo.so` (no version): the name only the linker uses when building against the library. */
const isLinkerName = (name: string): boolean => /^lib.+\.so$/.test(name);
/** `libfoo.so.2`: the soname the dynamic loader looks for (libtool naming). */
const versionDepth = (name: string): number =>
  (name.match(/\.so((\.\d+)*)$/)?.[1] ?? '').split('.').length - 1;

/**
 * Zip files and the tools that make them do not all keep symlinks, and a followed link stores its target
 * twice. Shared-object chains (`libX.so -> libX.so.2 -> libX.so.2.9.1`) become one file under the soname
 * (`libX.so.2`, what the loader opens); the linker-only `libX.so` goes; any other link becomes a copy.
 */
export function materialiseSymlinks(root: string, log: (line: string) => void): number {
  let changed = 0;
  const links = walk(root).filter((e) => e.kind === 'link');
  const realRoot = realpathSync(root);
  const byTarget = new Map<string, string[]>();
  for (const link of links) {
    let target: string;
    try {
      target = realpathSync(link.full);
    } catch {
      log(`  removed dangling link ${link.rel} -> ${readlinkSync(link.full)}`);
      unlinkSync(link.full);
      changed++;
      continue;
    }
    if (!target.startsWith(realRoot + path.sep)) {
      log(`  warning: ${link.rel} points outside the layer (${target}); copying it in`);
    }
    const group = byTarget.get(target) ?? [];
    group.push(link.full);
    byTarget.set(target, group);
  }
  for (const [target, group] of byTarget) {
    const isSharedObject = /\.so(\.\d+)*$/.test(path.basename(target)) && statSync(target).isFile();
    if (isSharedObject && target.startsWith(realRoot + path.sep)) {
      const names = group.filter((l) => !isLinkerName(path.basename(l)));
      for (const l of group.filter((l) => isLinkerName(path.basename(l)))) unlinkSync(l);
      const soname = names.sort((a, b) => versionDepth(path.basename(a)) - versionDepth(path.basename(b)))[0];
      if (soname) {
        unlinkSync(soname);
        renameSync(target, soname);
        for (const other of names.filter((l) => l !== soname)) {
          unlinkSync(other);
          copyFileSync(soname, other);
        }
      }
      changed += group.length;
      continue;
    }
    for (const l of group) {
      unlinkSync(l);
      cpSync(target, l, { recursive: true, dereference: true });
      changed++;
    }
  }
  return changed;
}

const isElf = (file: string): boolean => {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === '\x7fELF';
  } finally {
    closeSync(fd);
  }
};

/**
 * `strip --strip-unneeded` on every ELF shared object and Node addon: drops symbols and debug sections
 * the loader never reads (the dynamic symbol table stays). Missing `strip` is reported, not fatal.
 */
export function stripSharedObjects(root: string, log: (line: string) => void, strip = 'strip'): number {
  const candidates = walk(root).filter(
    (e) => e.kind === 'file' && /(\.so(\.\d+)*|\.node)$/.test(e.rel) && isElf(e.full),
  );
  let stripped = 0;
  for (const file of candidates) {
    const result = spawnSync(strip, ['--strip-unneeded', file.full], { encoding: 'utf8' });
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      log(`  ${strip} not found: ${candidates.length} shared object(s) left unstripped`);
      return 0;
    }
    if (result.status !== 0)
      log(`  warning: ${strip} failed on ${file.rel}: ${(result.stderr ?? '').trim()}`);
    else stripped++;
  }
  return stripped;
}

// ---------------------------------------------------------------------------------------------------
// The compressed archive (read by tfjs-native/archive-loader.cjs)
// ---------------------------------------------------------------------------------------------------

/**
 * Format "LVPACK1": the magic line, a 4-byte big-endian header length, a JSON header listing every entry
 * (files with their brotli chunk sizes, folders, links), then the chunks in order. Files are compressed in
 * chunks of ARCHIVE_CHUNK_BYTES so the loader can decompress synchronously (require() is synchronous) while
 * holding one chunk at a time, not the whole 300 MB library.
 */
export const ARCHIVE_MAGIC = 'LVPACK1\n';
export const ARCHIVE_CHUNK_BYTES = 8 * MIB;
/** Quality 7: measured here on ELF libraries, as small as 9 (within 1 %) and twice as fast to build. */
const BROTLI_QUALITY = 7;

export interface ArchiveEntry {
  path: string;
  type: 'file' | 'dir' | 'link';
  mode?: number;
  size?: number;
  chunks?: number[];
  target?: string;
}

export interface ArchiveHeader {
  format: 1;
  name: string;
  version: string;
  main: string;
  /** sha256 of the uncompressed contents, so a changed layer never reuses a stale /tmp copy. */
  id: string;
  unpackedBytes: number;
  entries: ArchiveEntry[];
}

/** Packs the package folder `src` into `file`. Returns the header written. */
export function packDirectory(src: string, file: string): ArchiveHeader {
  const json = readPackageJson(src);
  const entries: ArchiveEntry[] = [];
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  let unpackedBytes = 0;
  const all = walk(src);
  // Folders first (walk lists them after their contents), so the loader can create them in order.
  for (const e of all.filter((x) => x.kind === 'dir').sort((a, b) => a.rel.length - b.rel.length)) {
    entries.push({ path: e.rel, type: 'dir' });
  }
  for (const e of all) {
    if (e.kind === 'link') {
      entries.push({ path: e.rel, type: 'link', target: readlinkSync(e.full) });
      hash.update(`link:${e.rel}->${readlinkSync(e.full)}\n`);
    }
    if (e.kind !== 'file') continue;
    const data = readFileSync(e.full);
    const sizes: number[] = [];
    const count = Math.max(1, Math.ceil(data.length / ARCHIVE_CHUNK_BYTES));
    for (let i = 0; i < count; i++) {
      const piece = data.subarray(i * ARCHIVE_CHUNK_BYTES, (i + 1) * ARCHIVE_CHUNK_BYTES);
      const compressed = zlib.brotliCompressSync(piece, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: piece.length,
        },
      });
      chunks.push(compressed);
      sizes.push(compressed.length);
    }
    hash.update(`file:${e.rel}:${data.length}\n`);
    hash.update(data);
    unpackedBytes += data.length;
    entries.push({
      path: e.rel,
      type: 'file',
      mode: lstatSync(e.full).mode & 0o777,
      size: data.length,
      chunks: sizes,
    });
  }
  const header: ArchiveHeader = {
    format: 1,
    name: json.name ?? path.basename(src),
    version: json.version ?? '0.0.0',
    main: json.main ?? 'index.js',
    id: hash.digest('hex'),
    unpackedBytes,
    entries,
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, Buffer.from(ARCHIVE_MAGIC, 'latin1'));
    writeSync(fd, length);
    writeSync(fd, headerBytes);
    for (const chunk of chunks) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return header;
}

export const ARCHIVE_FILE = 'package.lvpack';

/**
 * Replaces the package folder with a stand-in of the same name: package.json (main: index.js), the loader
 * as index.js and the archive. `require('<package>')` then unpacks once into /tmp and returns the real one.
 */
export function archivePackage(nodeModules: string, name: string, loader: string): ArchiveHeader {
  const dir = path.join(nodeModules, name);
  if (!existsSync(path.join(dir, 'package.json')))
    throw new LayerError(`${name} is not in ${nodeModules}: nothing to archive`);
  const staging = `${dir}.archive-staging`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const header = packDirectory(dir, path.join(staging, ARCHIVE_FILE));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  copyFileSync(loader, path.join(dir, 'index.js'));
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: header.name,
        version: header.version,
        description: `Stand-in that unpacks ${header.name} ${header.version} from ${ARCHIVE_FILE} into /tmp on first require (layer size limit)`,
        main: 'index.js',
      },
      null,
      2,
    )}\n`,
  );
  return header;
}

// ---------------------------------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------------------------------

export type ArchiveMode = 'auto' | 'always' | 'never';

export interface TrimOptions {
  /** The layer folder: ARTIFACTS_DIR, holding nodejs/node_modules. */
  layer: string;
  profile: LayerProfile;
  label: string;
  archive: ArchiveMode;
  /** archive-loader.cjs, needed when the archive is made. */
  loader?: string;
  reserves: Reserves;
  limit?: number;
  strip?: string;
  log?: (line: string) => void;
}

export interface TrimReport {
  steps: { step: string; bytes: number }[];
  archived: boolean;
  bytes: number;
  budget: number;
}

/** Runs every step, printing the layer's size after each; throws LayerError when it cannot fit. */
export function trimLayer(options: TrimOptions): TrimReport {
  const log = options.log ?? ((line: string) => console.log(line));
  const nodejs = path.join(options.layer, 'nodejs');
  const nodeModules = path.join(nodejs, 'node_modules');
  if (!existsSync(nodeModules))
    throw new LayerError(`${nodeModules} does not exist: install the layer's packages first`);
  const budget = layerBudget(options.reserves, options.limit);
  const steps: TrimReport['steps'] = [];
  let previous = treeSize(options.layer);
  const record = (step: string, detail = ''): void => {
    const bytes = treeSize(options.layer);
    const delta = bytes - previous;
    steps.push({ step, bytes });
    log(
      `[${options.label}] ${step.padEnd(34)} ${formatMiB(bytes).padStart(11)}${steps.length > 1 ? `  (${delta <= 0 ? '-' : '+'}${formatMiB(Math.abs(delta))})` : ''}${detail ? `  ${detail}` : ''}`,
    );
    previous = bytes;
  };

  record('installed');
  for (const file of ['package.json', 'package-lock.json']) rmSync(path.join(nodejs, file), { force: true });
  const pruned = pruneUnusedPackages(nodeModules, options.profile, log);
  record('pruned packages not loaded', `${pruned.length} package(s)`);
  const patched = patchPackages(nodeModules, options.profile, log);
  const removed = removeNeverLoadedFiles(nodeModules, options.profile);
  record('removed files never loaded', `${removed} path(s)${patched ? `, ${patched} patch(es)` : ''}`);
  const links = materialiseSymlinks(options.layer, log);
  record('symlinks made plain files', `${links} link(s)`);
  const stripped = stripSharedObjects(options.layer, log, options.strip);
  record('stripped shared objects', `${stripped} file(s)`);

  let bytes = treeSize(options.layer);
  let archived = false;
  const pkg = options.profile.archivePackage;
  const wantArchive = options.archive === 'always' || (options.archive === 'auto' && bytes > budget);
  if (wantArchive && pkg && existsSync(path.join(nodeModules, pkg))) {
    if (!options.loader) throw new LayerError('the archive needs --loader (tfjs-native/archive-loader.cjs)');
    const header = archivePackage(nodeModules, pkg, options.loader);
    archived = true;
    record(`archived ${pkg}`, `unpacks ${formatMiB(header.unpackedBytes)} into /tmp at init`);
    bytes = treeSize(options.layer);
  }
  const reservedText = `Lambda allows ${formatMiB(options.limit ?? LAMBDA_UNZIPPED_LIMIT_BYTES)} (${options.limit ?? LAMBDA_UNZIPPED_LIMIT_BYTES} bytes) unzipped for the function and all its layers; ${formatMiB(options.reserves.functionBytes)} is kept for the function and ${formatMiB(options.reserves.modelBytes)} for the model (FUNCTION_RESERVE, MODEL_RESERVE)`;
  if (bytes > budget) {
    throw new LayerError(
      `${options.label} is ${formatMiB(bytes)} after trimming${archived ? ' and archiving' : ''}, over its budget of ${formatMiB(budget)}: ${reservedText}.${
        pkg && !archived && options.archive === 'never'
          ? ' Build with TFJS_NODE_ARCHIVE=auto to ship tfjs-node compressed.'
          : ''
      }`,
    );
  }
  log(`[${options.label}] fits: ${formatMiB(bytes)} of a ${formatMiB(budget)} budget (${reservedText})`);
  return { steps, archived, bytes, budget };
}

// ---------------------------------------------------------------------------------------------------
// copy-packages: a layer from an existing node_modules, no registry needed
// ---------------------------------------------------------------------------------------------------

/**
 * Copies the manifest's dependencies and everything they need from an installed node_modules (for offline
 * builds and tests). Fails when an installed version differs from the pin, so the layer is what the
 * lockfile says.
 */
export function copyPackages(manifestFile: string, from: string, to: string): string[] {
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as PackageJson;
  const pins = manifest.dependencies ?? {};
  for (const [name, version] of Object.entries(pins)) {
    const dir = resolvePackage(name, from, from);
    if (!dir) throw new LayerError(`${name} is not installed in ${from}`);
    const installed = readPackageJson(dir).version;
    if (installed !== version) {
      throw new LayerError(`${from} has ${name} ${installed}, but ${manifestFile} pins ${version}`);
    }
  }
  const profile: LayerProfile = { ...PROFILES.wasm, entries: Object.keys(pins), bundleOnly: {} };
  const dirs = [...reachablePackages(from, profile, () => {})].sort();
  const realFrom = path.resolve(from);
  for (const dir of dirs) {
    const rel = path.relative(realFrom, dir);
    cpSync(dir, path.join(to, rel), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => !path.relative(dir, source).split(path.sep).includes('node_modules'),
    });
  }
  return dirs.map((d) => posix(path.relative(realFrom, d)));
}

// ---------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------

const mib = (value: string | undefined, fallback: number, flag: string): number => {
  if (value === undefined || value === '') return fallback * MIB;
  const n = Number(value.replace(/\s*(MiB|MB|M)$/i, ''));
  if (!Number.isFinite(n) || n < 0) throw new LayerError(`${flag} must be a size in MiB, got "${value}"`);
  return Math.round(n * MIB);
};

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'trim') {
      const { values } = parseArgs({
        args: [...rest],
        options: {
          profile: { type: 'string' },
          layer: { type: 'string' },
          label: { type: 'string' },
          archive: { type: 'string', default: 'auto' },
          loader: { type: 'string' },
          'reserve-function': { type: 'string' },
          'reserve-model': { type: 'string' },
          strip: { type: 'string', default: 'strip' },
        },
        strict: true,
      });
      const profileName = values.profile;
      if (profileName !== 'wasm' && profileName !== 'native')
        throw new LayerError('--profile must be wasm or native');
      if (!values.layer) throw new LayerError('--layer DIR is required (the layer folder, ARTIFACTS_DIR)');
      const archive = values.archive as ArchiveMode;
      if (!['auto', 'always', 'never'].includes(archive))
        throw new LayerError('--archive must be auto, always or never');
      trimLayer({
        layer: values.layer,
        profile: PROFILES[profileName],
        label: values.label ?? `${profileName} layer`,
        archive,
        loader: values.loader,
        strip: values.strip,
        reserves: {
          functionBytes: mib(values['reserve-function'], DEFAULT_FUNCTION_RESERVE_MIB, '--reserve-function'),
          modelBytes: mib(values['reserve-model'], DEFAULT_MODEL_RESERVE_MIB, '--reserve-model'),
        },
      });
      return 0;
    }
    if (command === 'copy-packages') {
      const { values } = parseArgs({
        args: [...rest],
        options: { manifest: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
        strict: true,
      });
      if (!values.manifest || !values.from || !values.to)
        throw new LayerError('copy-packages needs --manifest, --from and --to');
      const copied = copyPackages(values.manifest, values.from, values.to);
      console.log(`copied ${copied.length} package(s) from ${values.from}`);
      return 0;
    }
    if (command === 'budget') {
      const { values, positionals } = parseArgs({
        args: [...rest],
        options: { limit: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
      const limit = values.limit ? Number(values.limit) : LAMBDA_UNZIPPED_LIMIT_BYTES;
      let total = 0;
      for (const dir of positionals) {
        if (!existsSync(dir)) throw new LayerError(`${dir} does not exist`);
        const bytes = treeSize(dir);
        total += bytes;
        console.log(`${formatMiB(bytes).padStart(11)}  ${dir}`);
      }
      console.log(`${formatMiB(total).padStart(11)}  total, limit ${formatMiB(limit)} (${limit} bytes)`);
      if (total > limit)
        throw new LayerError(`function + layers are ${total} bytes unzipped, over Lambda's ${limit}`);
      return 0;
    }
    console.error(
      'usage: node prepare-layer.ts trim|copy-packages|budget ... (see the comment at the top of this file)',
    );
    return 2;
  } catch (error) {
    if (error instanceof LayerError) {
      console.error(`\nERROR: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
