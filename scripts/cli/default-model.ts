import path from 'node:path';

/** Where `npm run fetch-model` puts the default model, relative to the project root. */
export const DEFAULT_MODEL_DIR = path.join('.lambdavision', 'models', 'default');

/** --model, else LAMBDAVISION_MODEL_DIR, else the fetched default model. */
export function resolveModelDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? (env.LAMBDAVISION_MODEL_DIR?.trim() || DEFAULT_MODEL_DIR);
}
