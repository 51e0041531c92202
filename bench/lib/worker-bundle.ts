import path from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/lib/bundle-options';
import { projectPath } from './project';

export interface WorkerBundle {
  file: string;
  /** NODE_PATH for the child: external packages resolve from there, as from /opt/nodejs/node_modules on Lambda. */
  nodePath: string;
}

/**
 * Builds the child entry like the Lambda bundle (CommonJS, layer packages external) so children start as a
 * deployed function does: plain node, no TypeScript loader. sharp and onnxruntime-node are native and stay
 * external too.
 */
export async function buildWorker(outDir: string): Promise<WorkerBundle> {
  const file = path.join(outDir, 'bench-worker.cjs');
  const external = [...BUNDLE_OPTIONS.external, 'sharp', 'onnxruntime-node'];
  await build({
    entryPoints: [projectPath('bench', 'lib', 'worker-main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: false,
    minify: false,
    external,
    logLevel: 'error',
  });
  return { file, nodePath: projectPath('node_modules') };
}
