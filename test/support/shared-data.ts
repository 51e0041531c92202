import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Real weights and photos are never copied into the project. Tests find them through one setting,
 * LAMBDAVISION_SHARED (a folder with models/ and images/), or LAMBDAVISION_TEST_MODEL for the model
 * alone. Where they are absent, the tests that need them skip and say why.
 */
const shared = process.env.LAMBDAVISION_SHARED ? path.resolve(process.env.LAMBDAVISION_SHARED) : undefined;

function existing(p: string | undefined): string | undefined {
  return p && existsSync(p) ? p : undefined;
}

/** The default real model (MobileNet v2 1.0 224, 1001 classes with background). */
export const realModelDir = (): string | undefined =>
  existing(
    process.env.LAMBDAVISION_TEST_MODEL ??
      (shared && path.join(shared, 'models', 'mobilenet_v2_1.0_224_quant')),
  );

/** Another real model by folder name under models/. */
export const sharedModelDir = (name: string): string | undefined =>
  existing(shared && path.join(shared, 'models', name));

/** Five licensed images with a sharp expected top-1. */
export const testImagesDir = (): string | undefined =>
  existing(shared && path.join(shared, 'models', 'test-images'));

/** Seven multi-object photos, for smoke tests. */
export const photosDir = (): string | undefined => existing(shared && path.join(shared, 'images'));

export const MISSING_SHARED =
  'real models and photos are absent: set LAMBDAVISION_SHARED to a folder with models/ and images/ to run this test';

/** Skips the current test (or suite, from a `before` hook) with a message when `value` is absent. */
export function requireShared<T>(ctx: Mocha.Context, value: T | undefined, what = MISSING_SHARED): T {
  if (value === undefined) {
    console.log(`      skipped: ${what}`);
    ctx.skip();
  }
  return value as T;
}
