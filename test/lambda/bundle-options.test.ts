import { expect } from 'chai';
import {
  BUNDLE_OPTIONS,
  FUNCTION_ENTRY,
  FUNCTION_FILES,
  FUNCTION_HANDLER,
  functionBuildOptions,
  JIMP_CODECS_ENTRY,
  jimpCodecsBuildOptions,
  LAYER_PROVIDED,
} from '../../scripts/lib/bundle-options';

describe('bundle options', () => {
  it("hold the values that match template.yaml's BuildProperties", () => {
    expect(BUNDLE_OPTIONS).to.deep.equal({
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      sourcemap: true,
      sourcesContent: false,
      minify: false,
      supported: { 'dynamic-import': false },
      external: [
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-layers',
        '@tensorflow/tfjs-converter',
        '@tensorflow/tfjs-backend-cpu',
        '@tensorflow/tfjs-backend-wasm',
        '@tensorflow/tfjs-node',
      ],
    });
    expect(FUNCTION_ENTRY).to.equal('function/lambda/entry.ts');
    expect(FUNCTION_HANDLER).to.equal('entry.handler');
  });

  it('build entry.js from the entry, and jimp-codecs.cjs beside it, with every layer package external', () => {
    const options = functionBuildOptions('/project', '/out');
    expect(options).to.include({ outfile: '/out/entry.js', absWorkingDir: '/project', format: 'cjs' });
    expect(options.entryPoints).to.deep.equal([FUNCTION_ENTRY]);
    expect(options.external).to.deep.equal([...LAYER_PROVIDED]);
    const codecs = jimpCodecsBuildOptions('/project', '/out');
    expect(codecs).to.include({ outfile: '/out/jimp-codecs.cjs', format: 'cjs' });
    expect(codecs.entryPoints).to.deep.equal([JIMP_CODECS_ENTRY]);
    expect(FUNCTION_FILES).to.deep.equal(['entry.js', 'entry.js.map', 'jimp-codecs.cjs']);
  });
});
