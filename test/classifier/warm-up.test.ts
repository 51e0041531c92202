import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { type Classifier, loadClassifier } from '../../function/classifier/classifier';
import { ErrorCode, type ModelError } from '../../function/classifier/errors';
import { rgbaPng } from '../support/image-writers';
import { buildTinyGraphModel, buildTinyMobileNet, tempDir } from '../support/tiny-models';
import type { GraphSpec } from './tflite/tflite-writer';
import { writeTflite } from './tflite/tflite-writer';
import { mobileNetV3Like } from './tflite/tiny-tflite-models';

/** A PNG of gradients, so the scores are not flat. */
function image(size = 24): Buffer {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) data.set([x * 10, y * 10, (x * y) % 256, 255], (y * size + x) * 4);
  return rgbaPng({ width: size, height: size, data });
}

function tfliteFolder(root: string, name: string, spec: GraphSpec): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.tflite`), writeTflite(spec));
  return dir;
}

/** The spec without its final SOFTMAX: the fully-connected layer's logits are the output. */
function logitsSpec(spec: GraphSpec): GraphSpec {
  const softmax = spec.ops.at(-1);
  return { ...spec, ops: spec.ops.slice(0, -1), outputs: [softmax?.inputs[0] as number] };
}

async function classifyBoth(modelDir: string): Promise<Array<{ classifier: Classifier; top: unknown }>> {
  const out = [];
  for (const warmUp of [true, false]) {
    const classifier = await loadClassifier({ modelDir, warmUp });
    const result = await classifier.classify(image(), { topK: 5 });
    out.push({ classifier, top: result.predictions });
  }
  return out;
}

describe('loading without the warm-up inference', () => {
  let root: string;
  before(() => {
    root = tempDir('lambdavision-warm-up-');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const cases: Array<[string, () => Promise<string>, 'probabilities' | 'logits']> = [
    [
      'a TFLite file ending in SOFTMAX',
      async () => tfliteFolder(root, 'softmax', mobileNetV3Like({ classes: 1001, quantized: true }).spec),
      'probabilities',
    ],
    [
      'a TFLite file ending in its fully-connected layer',
      async () => tfliteFolder(root, 'logits', logitsSpec(mobileNetV3Like({ classes: 1001 }).spec)),
      'logits',
    ],
    [
      'a layers model with a softmax Dense layer',
      () => buildTinyMobileNet(path.join(root, 'layers')),
      'probabilities',
    ],
    // A graph model's output width is not in its file: it is warmed up regardless.
    [
      'a graph model',
      async () => {
        mkdirSync(path.join(root, 'graph'));
        return buildTinyGraphModel(path.join(root, 'graph'));
      },
      'logits',
    ],
  ];
  for (const [name, build, kind] of cases) {
    it(`gives the same model facts and predictions as with it, for ${name}`, async () => {
      // Prepare
      const modelDir = await build();

      // Act
      const [warm, cold] = await classifyBoth(modelDir);

      // Assess
      expect(cold?.classifier.model).to.deep.equal(warm?.classifier.model);
      expect(cold?.top).to.deep.equal(warm?.top);
      if (name !== 'a graph model') expect(cold?.classifier.model.output).to.equal(kind);
      warm?.classifier.dispose();
      cold?.classifier.dispose();
    });
  }

  it('refuses, at the first image, a file that misstates its output width', async () => {
    // Prepare: the output tensor says 1003 values; the softmax over 1001 logits gives 1001.
    const spec = mobileNetV3Like({ classes: 1001 }).spec;
    const output = spec.outputs[0] as number;
    const tensors = spec.tensors.map((t, i) => (i === output ? { ...t, shape: [1, 1003] } : t));
    const modelDir = tfliteFolder(root, 'misstated', { ...spec, tensors });
    const warm = await loadClassifier({ modelDir });
    const cold = await loadClassifier({ modelDir, warmUp: false });

    // Act
    let error: ModelError | undefined;
    try {
      await cold.classify(image());
    } catch (caught) {
      error = caught as ModelError;
    }

    // Assess: the warmed-up classifier saw the real width; the other one finds out before reading labels.
    expect(warm.model.classes).to.equal(1000);
    expect((await warm.classify(image())).predictions).to.have.length(5);
    expect(error?.code).to.equal(ErrorCode.MODEL_INVALID);
    expect(error?.message).to.match(/states 1003 outputs but gives 1001/);
    warm.dispose();
    cold.dispose();
  });
});
