import { type Classifier, loadClassifier } from '../../../function/classifier';

let loading: Promise<Classifier> | undefined;

/** The real model, loaded once for every Lambda test that needs it (wasm, like the rest of the suite). */
export function sharedRealClassifier(modelDir: string): Promise<Classifier> {
  loading ??= loadClassifier({ modelDir, backend: 'wasm' });
  return loading;
}
