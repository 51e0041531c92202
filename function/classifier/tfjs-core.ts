/**
 * The classifier's one import of tfjs-core: the other modules import `tf` from here. In the CommonJS
 * bundle, esbuild gives every module that imports an external CommonJS package its own copy of that
 * package's exports (about a thousand getters for tfjs-core, 1–2 ms each copy at every cold start).
 */
export * as tf from '@tensorflow/tfjs-core';
