import { parentPort, workerData } from 'node:worker_threads';
import { type Classifier, LambdaVisionError, loadClassifier } from '../function/classifier/index';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './extract-protocol';

/** One model per thread: TensorFlow.js runs one op at a time, so cores are used by running several. */
const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('extract-worker runs only as a worker thread');

const reply = (message: WorkerReply) => port.postMessage(message);

let classifier: Classifier;
try {
  classifier = await loadClassifier({
    modelDir: setup.modelDir,
    backend: setup.backend,
    decoder: setup.decoder,
  });
  if (!classifier.embed) throw new Error('this classifier cannot embed');
  reply({ type: 'ready' });
} catch (error) {
  const code = error instanceof LambdaVisionError ? error.code : 'MODEL_INVALID';
  reply({ type: 'load-failed', code, message: (error as Error).message });
  process.exit(1);
}

port.on('message', async (request: WorkerRequest) => {
  if (request.type === 'stop') {
    classifier.dispose();
    port.close();
    return;
  }
  try {
    const vector = await (classifier.embed as NonNullable<Classifier['embed']>)(request.bytes, {
      mirror: request.mirror,
    });
    reply({ type: 'vector', task: request.task, vector });
  } catch (error) {
    const code = error instanceof LambdaVisionError ? error.code : 'CORRUPT_IMAGE';
    reply({ type: 'failed', task: request.task, code, message: (error as Error).message });
  }
});
