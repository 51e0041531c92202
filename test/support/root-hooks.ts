import { selectBackend } from '../../function/classifier';

/** Every test runs on the wasm backend, as the Lambda's lean variant does (tfjs-node cannot be installed here). */
export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await selectBackend('wasm');
  },
};
