import { tf } from './tfjs-core';

/** The wasm backend's own way to make a tensor, as its kernels do: memory in its heap, and a view of it. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * A float tensor whose values `fill` writes. On wasm they are written straight into the backend's memory.
 * `tf.tensor(values)` would copy an array made first, in new memory each time: for a model's weights as
 * much memory as the model (14 MB for MobileNet v2, about 50 ms of page faults at a cold start here), and
 * for every image's 224×224×3 input a 600 KB array that the allocator maps fresh (about 2.5 ms of page
 * faults per image here, more than the normalisation itself). Other backends get a new array.
 */
export function floatTensor(shape: number[], fill: (into: Float32Array) => void): tf.Tensor {
  const backend = tf.backend() as Partial<HeapBackend> & tf.KernelBackend;
  if (tf.getBackend() === 'wasm' && backend.makeOutput && backend.typedArrayFromHeap) {
    const info = backend.makeOutput(shape, 'float32');
    try {
      // The view is used before anything else can grow the heap (which would detach it).
      fill(backend.typedArrayFromHeap(info));
    } catch (error) {
      backend.disposeData(info.dataId);
      throw error;
    }
    return tf.engine().makeTensorFromTensorInfo(info);
  }
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(values);
  return tf.tensor(values, shape);
}
