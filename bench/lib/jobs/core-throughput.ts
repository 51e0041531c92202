import { readFile } from 'node:fs/promises';
import { loadClassifier } from '../../../function/classifier';
import type { CoreThroughputJob, CoreThroughputResult } from './job-types';

/** What the CLI does, without the CLI: load once, read and classify each file in turn. */
export async function runCoreThroughput(job: CoreThroughputJob): Promise<CoreThroughputResult> {
  const start = performance.now();
  const classifier = await loadClassifier({ modelDir: job.modelDir, backend: 'wasm' });
  const loadMs = performance.now() - start;
  const classifyMs: number[] = [];
  for (const file of job.files) {
    const t = performance.now();
    await classifier.classify(await readFile(file));
    classifyMs.push(performance.now() - t);
  }
  classifier.dispose();
  return { loadMs, classifyMs };
}
