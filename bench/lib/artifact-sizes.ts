import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FUNCTION_ENTRY, LAYER_PROVIDED } from '../../scripts/lib/bundle-options';
import { buildFunctionBundle } from '../../scripts/lib/function-bundle';
import { projectPath } from './project';
import { type ZipEntry, zipSize } from './zip-size';

/** Lambda quotas for a function and all its layers, and for a directly uploaded .zip. */
export const LAMBDA_LIMITS = {
  unzippedBytes: 250 * 1024 * 1024,
  zippedDirectUploadBytes: 50 * 1024 * 1024,
} as const;

export interface Artifact {
  name: string;
  /** Whether the deployed function needs it (function + tfjs layer + model) or it is an option/reference. */
  role: 'deployed' | 'option' | 'reference';
  files: number;
  bytes: number;
  zippedBytes?: number;
  note?: string;
}

function walk(dir: string, base: string, out: ZipEntry[], skip: (rel: string) => boolean): void {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const rel = path.posix.join(base, name);
    if (skip(rel)) continue;
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) walk(file, rel, out, skip);
    else if (stat.isFile()) out.push({ name: rel, file });
  }
}

/** Installed package folders a package needs at run time (dependencies + installed optional ones). */
function packageClosure(roots: readonly string[], nodeModules: string): string[] {
  const seen = new Set<string>();
  const queue = roots.map((r) => path.join(nodeModules, r)).filter(existsSync);
  while (queue.length) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...json.dependencies, ...json.optionalDependencies })) {
      // Node's resolution: a copy nested under the package wins over the hoisted one.
      const nested = path.join(dir, 'node_modules', dep);
      const hoisted = path.join(nodeModules, dep);
      if (existsSync(nested)) continue; // already inside `dir`, counted with it
      if (existsSync(hoisted)) queue.push(hoisted);
    }
  }
  return [...seen];
}

function measure(
  name: string,
  role: Artifact['role'],
  entries: ZipEntry[],
  zipped: boolean,
  note?: string,
): Artifact {
  const bytes = entries.reduce((sum, e) => sum + statSync(e.file).size, 0);
  return {
    name,
    role,
    files: entries.length,
    bytes,
    zippedBytes: zipped ? zipSize(entries) : undefined,
    note,
  };
}

function layerEntries(packages: string[], nodeModules: string, skip: (rel: string) => boolean = () => false) {
  const entries: ZipEntry[] = [];
  for (const dir of packageClosure(packages, nodeModules)) {
    const rel = path.posix.join(
      'nodejs/node_modules',
      path.relative(nodeModules, dir).split(path.sep).join('/'),
    );
    walk(dir, rel, entries, skip);
  }
  return entries;
}

/**
 * Builds the wasm layer with the project's own recipe (layer/Makefile, copying the installed packages
 * instead of `npm ci`), so the size is the trimmed layer that ships, not the raw packages.
 */
function buildWasmLayer(outDir: string): { dir: string } | { reason: string } {
  if (!existsSync(projectPath('layer', 'Makefile'))) return { reason: 'layer/Makefile absent' };
  try {
    execFileSync(
      'make',
      [
        '-s',
        '-C',
        projectPath('layer'),
        'build-TfjsWasmLayer',
        `ARTIFACTS_DIR=${outDir}`,
        `PACKAGES_FROM=${projectPath('node_modules')}`,
        // The build variable every layer build needs (layer/Makefile refuses to guess the backend).
        'LAMBDAVISION_BACKEND=wasm',
        // prepare-layer.ts is TypeScript: run it through tsx so Node 20 works too.
        `NODE=${process.execPath} --import tsx`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 },
    );
    return { dir: outDir };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
    return { reason: stderr || (error as Error).message.split('\n')[0] || 'make failed' };
  }
}

/**
 * Sizes of what a deployment uploads: the function bundle (built here with the shared esbuild options),
 * the TensorFlow.js layer (the layer packages and everything they depend on, as nodejs/node_modules/),
 * the model layer; and, for the options weighed in the report, a sharp layer and onnxruntime-node.
 */
export async function measureArtifacts(
  modelDir: string,
  tmpDir: string,
  options: { zip: boolean; onnxFile?: string },
): Promise<{ artifacts: Artifact[]; entry: string }> {
  const nodeModules = projectPath('node_modules');
  const outDir = path.join(tmpDir, 'function-bundle');
  await buildFunctionBundle(outDir);
  const bundle: ZipEntry[] = [];
  walk(outDir, '', bundle, () => false);
  const artifacts: Artifact[] = [
    measure('function bundle (entry.js, jimp-codecs.cjs, source maps)', 'deployed', bundle, options.zip),
  ];

  const tfjs = LAYER_PROVIDED.filter((p) => existsSync(path.join(nodeModules, p)));
  const untrimmed = `${tfjs.map((p) => p.replace('@tensorflow/', '')).join(', ')} + dependencies`;
  const built = buildWasmLayer(path.join(tmpDir, 'wasm-layer'));
  if ('dir' in built) {
    const layer: ZipEntry[] = [];
    walk(built.dir, '', layer, () => false);
    artifacts.push(
      measure(
        'TensorFlow.js wasm layer (layer/Makefile build-TfjsWasmLayer)',
        'deployed',
        layer,
        options.zip,
      ),
    );
  }
  artifacts.push(
    measure(
      `TensorFlow.js packages untrimmed (${untrimmed})`,
      'dir' in built ? 'reference' : 'deployed',
      layerEntries([...tfjs], nodeModules),
      options.zip,
      'dir' in built ? 'what the layer build starts from' : `layer build not measured: ${built.reason}`,
    ),
  );

  // The model layer holds the model as deployed (`modelDir`: its TFLite file's folder when it has one), not
  // the twins beside it.
  const model: ZipEntry[] = [];
  walk(
    modelDir,
    'model',
    model,
    (rel) => /^model\/(onnx|tflite|tfjs)(\/|$)/.test(rel) || rel.endsWith('.md'),
  );
  const modelName =
    path.basename(modelDir) === 'tflite' ? path.basename(path.dirname(modelDir)) : path.basename(modelDir);
  artifacts.push(measure(`model layer (${modelName})`, 'deployed', model, options.zip));

  artifacts.push(
    measure(
      'sharp layer (linux-x64, for the sharp decoder)',
      'option',
      layerEntries(['sharp'], nodeModules),
      options.zip,
    ),
  );
  const otherPlatforms = /\/bin\/napi-v\d+\/(darwin|win32|linux\/arm64)(\/|$)/;
  const ort = layerEntries(['onnxruntime-node'], nodeModules, (rel) => otherPlatforms.test(rel));
  if (options.onnxFile)
    ort.push({ name: `model/${path.basename(options.onnxFile)}`, file: options.onnxFile });
  artifacts.push(
    measure(
      `onnxruntime-node (linux-x64 binaries only)${options.onnxFile ? ' + ONNX model' : ''}`,
      'reference',
      ort,
      options.zip,
      'all platforms as installed from npm are several times larger',
    ),
  );
  return { artifacts, entry: FUNCTION_ENTRY };
}
