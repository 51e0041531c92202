import { createRequire } from 'node:module';

/**
 * `require` for both worlds: the ESM sources (tsx, mocha) have none, the CommonJS Lambda bundle must use
 * the real one, because only CommonJS resolution searches NODE_PATH, where Lambda puts layer packages.
 */
export const moduleRequire: NodeJS.Require =
  typeof require === 'function' ? require : createRequire(import.meta.url);
