import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';

/** Where `npm run fetch-model` puts the default model, relative to the project's folder. */
export const DEFAULT_MODEL_FOLDER = path.join('.lambdavision', 'models', 'default');
export const DEFAULT_MODEL_DIR = path.join(PROJECT_ROOT, DEFAULT_MODEL_FOLDER);

/** --model, else LAMBDAVISION_MODEL_DIR, else the fetched default model. */
export function resolveModelDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  fallback: string = DEFAULT_MODEL_DIR,
): string {
  return path.resolve(flag ?? (env.LAMBDAVISION_MODEL_DIR?.trim() || fallback));
}
