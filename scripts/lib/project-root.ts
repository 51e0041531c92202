import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's folder (this file is scripts/lib/project-root.ts), whatever the working directory. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
