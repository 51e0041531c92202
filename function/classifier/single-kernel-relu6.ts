import { tf } from './tfjs-core';

let registered = false;

/**
 * tfjs-layers computes the `relu6` activation as `minimum(relu(x), 6)`: two kernels, of which the
 * broadcasting Minimum is slow on the wasm backend (47 % of MobileNet v2's inference, see
 * bench/REPORT.md). Registering `relu6` as the single Relu6 kernel gives identical outputs in about half
 * the inference time. It replaces the activation for every layers model the process loads afterwards.
 */
export function useSingleKernelRelu6(): void {
  if (registered) return;
  class Relu6 extends tf.serialization.Serializable {
    static readonly className = 'relu6';
    apply(x: tf.Tensor): tf.Tensor {
      return tf.relu6(x);
    }
    getConfig(): tf.serialization.ConfigDict {
      return {};
    }
  }
  tf.serialization.registerClass(Relu6);
  registered = true;
}
