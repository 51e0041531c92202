import { setTimeout } from 'node:timers/promises';
import { expect } from 'chai';
import { WorkerLoadError, WorkerPool } from '../../scripts/cli/worker-pool';

type Reply = { task: string; thread: number };
const module = new URL('./support/echo-worker.ts', import.meta.url);

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

/** A pool with every worker loaded (start returns once the first is). */
async function started(jobs: number, onLog?: (line: string) => void) {
  const pool = await WorkerPool.start<string, Reply>({ module, setup: {}, jobs, onLog });
  for (let waited = 0; pool.size < jobs && waited < 20_000; waited += 50) await setTimeout(50);
  expect(pool.size).to.equal(jobs);
  return pool;
}

describe('worker pool', () => {
  it('spreads tasks evenly over its workers and passes their log lines on', async () => {
    // Prepare
    const lines: string[] = [];
    const pool = await started(2, (l) => lines.push(l));
    try {
      // Act
      const replies = await Promise.all(['a', 'b', 'c', 'd'].map((t) => pool.run(t)));
      // Assess
      expect(replies.map((r) => r.task)).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(new Set(replies.map((r) => r.thread)).size).to.equal(2);
      expect(lines.filter((l) => /^worker \d+ ready$/.test(l))).to.have.length(2);
    } finally {
      await pool.close();
    }
  });

  it('fails only the task of a worker that dies, with UNEXPECTED, and replaces the worker', async () => {
    // Prepare
    const pool = await started(2);
    try {
      // Act: one task on each worker; one of them kills its thread
      const [crashed, other] = await Promise.allSettled([pool.run('crash'), pool.run('x')]);
      // Assess
      expect(crashed?.status).to.equal('rejected');
      const reason = (crashed as PromiseRejectedResult).reason as Error & { code: string };
      expect(reason.code).to.equal('UNEXPECTED');
      expect(reason.message).to.match(/the worker thread died \(exit code 3\)/);
      expect(other?.status).to.equal('fulfilled');
      // The replacement joins and serves: two tasks at once land on two live threads.
      for (let waited = 0; pool.size < 2 && waited < 20_000; waited += 50) await setTimeout(50);
      expect(pool.size).to.equal(2);
      const after = await Promise.all([pool.run('p'), pool.run('q')]);
      expect(new Set(after.map((r) => r.thread)).size).to.equal(2);
    } finally {
      await pool.close();
    }
  });

  it('fails every task queued on a worker that dies, and none of the others', async () => {
    const pool = await started(2);
    try {
      // Two tasks each: "crash" and "y" share a thread, "x" and "z" the other.
      const settled = await Promise.allSettled(['crash', 'x', 'y', 'z'].map((t) => pool.run(t)));
      expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    } finally {
      await pool.close();
    }
  });

  it("rejects a task that throws in the worker with the thrown error's code, and keeps the worker", async () => {
    const pool = await started(1);
    try {
      const error = await rejection(pool.run('throw'));
      expect(error.code).to.equal('CORRUPT_IMAGE');
      expect(error.message).to.equal('refused');
      expect((await pool.run('ok')).task).to.equal('ok');
    } finally {
      await pool.close();
    }
  });

  it('throws the code and message a worker could not load with', async () => {
    const error = await rejection(WorkerPool.start({ module, setup: { fail: true }, jobs: 2 }));
    expect(error).to.be.instanceOf(WorkerLoadError);
    expect(error.code).to.equal('MODEL_NOT_FOUND');
    expect(error.message).to.equal('no model here');
  });

  it('rejects tasks still running when closed (Ctrl-C), so nobody waits for a hung worker', async () => {
    const pool = await started(1);
    const hung = rejection(pool.run('hang'));
    await pool.close();
    expect((await hung).message).to.equal('the worker pool was closed');
    expect((await rejection(pool.run('late'))).message).to.equal('the worker pool was closed');
  });

  it('closing while a worker still loads stops it without reporting it as a worker that could not start', async () => {
    const lines: string[] = [];
    const pool = await WorkerPool.start<string, Reply>({
      module,
      setup: { slowEven: true },
      jobs: 2,
      onLog: (line) => lines.push(line),
    });
    expect(pool.size).to.equal(1);
    await pool.close();
    await setTimeout(200);
    expect(lines.filter((line) => line.includes('could not start'))).to.deep.equal([]);
  });
});
