import type { ClassificationResult, Classifier, ClassifyOptions } from '../classifier';
import { failureOf, PermanentFailure } from './errors';
import type { ObjectStore, StoredObject } from './object-store';
import type { ObjectLocation } from './result-key';

/** The two steps every path shares, each turning a permanent failure of the input into a PermanentFailure. */

const ms = (start: number): number => Math.round((performance.now() - start) * 100) / 100;

/** Reads an object's bytes; a permanent store failure (gone, forbidden, too large) becomes a PermanentFailure. */
export async function readImage(
  store: ObjectStore,
  source: ObjectLocation,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ object: StoredObject; downloadMs: number }> {
  const start = performance.now();
  try {
    const object = await store.get({ bucket: source.bucket, key: source.key, maxBytes, signal });
    return { object, downloadMs: ms(start) };
  } catch (error) {
    throw asPermanent(error) ?? error;
  }
}

/** Classifies bytes; an image error (not an image, corrupt, too large) becomes a PermanentFailure. */
export async function classifyImage(
  classifier: Classifier,
  bytes: Uint8Array,
  options: ClassifyOptions,
  object?: StoredObject,
): Promise<ClassificationResult> {
  try {
    return await classifier.classify(bytes, options);
  } catch (error) {
    throw asPermanent(error, object) ?? error;
  }
}

function asPermanent(error: unknown, object?: StoredObject): PermanentFailure | undefined {
  const { code, kind } = failureOf(error);
  if (kind !== 'permanent' || !(error instanceof Error)) return undefined;
  return new PermanentFailure(code, error.message, { cause: error, object });
}
