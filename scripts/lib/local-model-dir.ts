import { existsSync } from 'node:fs';
import { CliError } from '../cli/cli-error';
import { resolveModelDir } from '../cli/default-model';

/**
 * The model for local runs: --model, else LAMBDAVISION_MODEL_DIR, else the one `lambdavision fetch-model`
 * puts in .lambdavision/models/default. A missing folder is the user's to fix, so a CliError says how.
 */
export function localModelDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = resolveModelDir(flag, env);
  if (existsSync(dir)) return dir;
  const source =
    flag !== undefined
      ? '--model'
      : env.LAMBDAVISION_MODEL_DIR?.trim()
        ? 'LAMBDAVISION_MODEL_DIR'
        : 'the default';
  throw new CliError(
    `no model at ${dir} (${source}): run \`npx lambdavision fetch-model\` for the default model, or pass --model DIR (or set LAMBDAVISION_MODEL_DIR) to a model folder (model.json or tfjs/model.json, a .tflite, or a folder \`lambdavision train\` wrote)`,
  );
}
