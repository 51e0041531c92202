/**
 * A pool worker for the pool's tests, with no model: `fail` at load refuses to load; `slowEven` makes a
 * worker with an even thread id take a minute to load (of two, one loads at once); a task "crash"
 * kills the thread, "throw" throws, "hang" never answers, anything else is echoed with the thread's id.
 */
import { threadId } from 'node:worker_threads';
import { serveTasks } from '../../../scripts/cli/worker-port';

await serveTasks<{ fail?: boolean; slowEven?: boolean }, string, { task: string; thread: number }>(
  async (setup, log) => {
    if (setup.fail) throw Object.assign(new Error('no model here'), { code: 'MODEL_NOT_FOUND' });
    if (setup.slowEven && threadId % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 60_000));
    log(`worker ${threadId} ready`);
    return {
      info: { thread: threadId },
      handle: async (task) => {
        if (task === 'crash') process.exit(3);
        if (task === 'throw') throw Object.assign(new Error('refused'), { code: 'CORRUPT_IMAGE' });
        if (task === 'hang') return new Promise(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { task, thread: threadId };
      },
    };
  },
);
