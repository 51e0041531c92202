import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  flatcVersion,
  GENERATED_DIR,
  GENERATED_FILES,
  generateTfliteSchema,
} from '../../../scripts/generate-tflite-schema';
import { tempDir } from '../../support/tiny-models';

describe('the generated FlatBuffers accessors', () => {
  it('are what flatc makes of the committed schema subsets (npm run generate:tflite)', async function () {
    if (!flatcVersion()) {
      console.log('      skipped: flatc is absent (apt package flatbuffers-compiler)');
      this.skip();
    }
    const out = tempDir('lambdavision-flatc-check-');
    try {
      await generateTfliteSchema(out);
      for (const file of Object.values(GENERATED_FILES)) {
        const fresh = readFileSync(path.join(out, file), 'utf8');
        const committed = readFileSync(path.join(GENERATED_DIR, file), 'utf8');
        expect(committed === fresh, `${file} is stale: run npm run generate:tflite`).to.equal(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('declare the builtin options at the indices of the upstream schema', async () => {
    // A union member at the wrong index would read one options table as another.
    const { BuiltinOptions, BuiltinOperator } = await import(
      '../../../function/classifier/tflite/generated/tflite-schema'
    );
    expect(BuiltinOptions.Conv2DOptions).to.equal(1);
    expect(BuiltinOptions.Pool2DOptions).to.equal(5);
    expect(BuiltinOptions.FullyConnectedOptions).to.equal(8);
    expect(BuiltinOptions.ReducerOptions).to.equal(27);
    expect(BuiltinOptions.SqueezeOptions).to.equal(30);
    expect(BuiltinOptions.HardSwishOptions).to.equal(91);
    expect(BuiltinOperator.HARD_SWISH).to.equal(117);
    expect(BuiltinOperator.QUANTIZE).to.equal(114);
  });
});
