import path from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/function-bundle';

export const projectPath = (...parts: string[]): string => path.join(PROJECT_ROOT, ...parts);
