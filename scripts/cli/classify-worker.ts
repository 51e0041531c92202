import { type ClassifierOptions, loadClassifier } from '../../function/classifier/index';
import { type ClassifyFileOptions, classifyFile, type FileOutcome } from './classify-file';
import { serveTasks } from './worker-port';

/** What each `classify --jobs N` worker loads (once) and how it classifies. */
export interface ClassifyWorkerSetup {
  classifier: ClassifierOptions;
  options: ClassifyFileOptions;
}

/** Reported when ready: the header line names them. */
export interface ClassifyWorkerInfo {
  model: string;
  backend: string;
  decoder: string;
}

await serveTasks<ClassifyWorkerSetup, string, FileOutcome>(async (setup) => {
  const classifier = await loadClassifier(setup.classifier);
  const info: ClassifyWorkerInfo = {
    model: classifier.model.name,
    backend: classifier.backend,
    decoder: classifier.decoder,
  };
  return { info, handle: (file) => classifyFile(classifier, file, setup.options) };
});
