import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'chai';
import { useSingleKernelRelu6 } from '../../function/classifier/single-kernel-relu6';

describe('single-kernel relu6', () => {
  it('runs the relu6 activation as one Relu6 kernel with the same values as min(relu(x), 6)', async () => {
    // Prepare
    useSingleKernelRelu6();
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [4], units: 4, activation: 'relu6', kernelInitializer: 'identity' }),
      ],
    });
    const x = tf.tensor2d([[-3, 0.5, 6, 9]]);
    // Act
    const profile = await tf.profile(() => model.predict(x) as tf.Tensor);
    const y = model.predict(x) as tf.Tensor;
    // Assess
    expect(profile.kernelNames).to.include('Relu6').and.not.include('Minimum');
    expect(Array.from(await y.data())).to.deep.equal([0, 0.5, 6, 6]);
    tf.dispose([x, y]);
    model.dispose();
  });
});
