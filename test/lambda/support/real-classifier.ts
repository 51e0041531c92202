import { type Classifier, loadClassifier } from '../../../function/classifier';
import { realModelDir, requireShared, testImagesDir } from '../../support/shared-data';

let loading: Promise<Classifier> | undefined;

/** The real model, loaded once for every Lambda test that needs it (wasm, like the rest of the suite). */
export function sharedRealClassifier(modelDir: string): Promise<Classifier> {
  loading ??= loadClassifier({ modelDir, backend: 'wasm' });
  return loading;
}

/**
 * The real model's directory, the test photos' directory and the shared classifier; skips the suite
 * (saying why) when the shared data is absent.
 */
export async function requireRealModel(
  ctx: Mocha.Context,
): Promise<{ modelDir: string; images: string; classifier: Classifier }> {
  const modelDir = requireShared(ctx, realModelDir());
  const images = requireShared(ctx, testImagesDir());
  return { modelDir, images, classifier: await sharedRealClassifier(modelDir) };
}
