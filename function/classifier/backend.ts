import path from 'node:path';
import { ErrorCode, LambdaVisionError } from './errors';
import { moduleRequire } from './module-require';
import { tf } from './tfjs-core';

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

// A variable specifier keeps bundlers and the type checker from resolving it: tfjs-node is never a
// dependency of this package; on Lambda it comes from the native layer (/opt/nodejs/node_modules).
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';
// Loaded only when chosen: evaluating it registers some 170 kernels, about 20 ms of every cold start that
// runs on wasm (the wasm backend does not need it).
const TFJS_CPU = '@tensorflow/tfjs-backend-cpu';

export interface TfjsNode {
  node: {
    loadSavedModel(dir: string, tags?: string[], signature?: string): Promise<SavedModelLike>;
  };
}
export interface SavedModelLike {
  predict(input: tf.Tensor): tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
  readonly outputs: Array<{ shape: number[] }>;
  dispose(): void;
}

let tfjsNode: TfjsNode | undefined;

/** The native module when the `tensorflow` backend is active (SavedModel loading needs it). */
export const nativeModule = (): TfjsNode | undefined => tfjsNode;

async function loadNative(): Promise<void> {
  try {
    tfjsNode = moduleRequire(TFJS_NODE) as TfjsNode;
  } catch (cause) {
    throw new LambdaVisionError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `backend "tensorflow" needs ${TFJS_NODE} (the native layer on Lambda); it could not be loaded: ${String(cause)}`,
      { cause },
    );
  }
}

async function loadWasm(): Promise<void> {
  try {
    const wasm = moduleRequire(TFJS_WASM) as typeof import('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries ship in the package's dist/ folder; point the loader at them instead of a CDN.
    const dist = path.join(path.dirname(moduleRequire.resolve(`${TFJS_WASM}/package.json`)), 'dist');
    wasm.setWasmPaths(`${dist}${path.sep}`);
  } catch (cause) {
    throw new LambdaVisionError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `backend "wasm" needs ${TFJS_WASM}; it could not be loaded: ${String(cause)}`,
      { cause },
    );
  }
}

function loadCpu(): void {
  try {
    moduleRequire(TFJS_CPU);
  } catch (cause) {
    throw new LambdaVisionError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `backend "cpu" needs ${TFJS_CPU}; it could not be loaded: ${String(cause)}`,
      { cause },
    );
  }
}

async function activate(name: BackendName): Promise<void> {
  if (name === 'tensorflow') await loadNative();
  if (name === 'wasm') await loadWasm();
  if (name === 'cpu') loadCpu();
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) {
    throw new LambdaVisionError(ErrorCode.BACKEND_UNAVAILABLE, `backend "${name}" failed to initialise`);
  }
  await tf.ready();
}

/**
 * Activates a TensorFlow.js backend for this process. `auto` prefers the native backend and falls back
 * to wasm, so the same code runs on Lambda with the native layer and on a laptop without it.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendName> {
  // Production mode: skips tfjs's debug checks and its "install tfjs-node" banner on the cpu backend.
  tf.env().set('PROD', true);
  if (!BACKENDS.includes(choice)) {
    throw new LambdaVisionError(
      ErrorCode.INVALID_OPTION,
      `unknown backend "${String(choice)}": use one of ${BACKENDS.join(', ')}`,
    );
  }
  if (choice !== 'auto') {
    await activate(choice);
    return choice;
  }
  try {
    await activate('tensorflow');
    return 'tensorflow';
  } catch {
    await activate('wasm');
    return 'wasm';
  }
}
