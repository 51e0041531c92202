import type { BatchResponse, LambdaConfig, S3BatchEventV2 } from '../../function/lambda';
import { serveTasks } from '../cli/worker-port';
import { type LocalS3Target, startLocalFunction } from './backfill-handler';

/** What each `backfill --jobs N` worker starts: one function instance with its own model and S3 client. */
export interface BackfillWorkerSetup {
  config: LambdaConfig;
  target: LocalS3Target;
  functionName: string;
}

export interface BackfillWorkerInfo {
  model: string;
  backend: string;
}

await serveTasks<BackfillWorkerSetup, S3BatchEventV2, BatchResponse>(async (setup, log) => {
  const local = await startLocalFunction(setup.config, setup.target, setup.functionName, log);
  const info: BackfillWorkerInfo = { model: local.classifier.model.name, backend: local.classifier.backend };
  return { info, handle: (event) => local.invoke(event) };
});
