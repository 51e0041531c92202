import { expect } from 'chai';
import { type CliIo, runClassify } from '../../scripts/cli/classify-command';
import {
  buildHostileCorpus,
  expectationFor,
  isHumanMessage,
  loadSharp,
  writeCorpus,
} from '../support/hostile-corpus';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

const { cases } = await buildHostileCorpus();

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: {},
    out: () => out,
    err: () => err,
  };
}

describe('the hostile corpus through the classify CLI', function () {
  this.timeout(180_000);

  for (const decoder of ['jimp', 'sharp'] as const) {
    it(`prints one JSON line for every file, a result or an error with the expected code, and exits 1 (--decoder ${decoder})`, async function () {
      if (decoder === 'sharp' && !(await loadSharp())) {
        console.log('      skipped: sharp is not installed (npm install sharp)');
        this.skip();
      }
      // Prepare
      const files = writeCorpus(tempDir('lambdavision-corpus-'), cases);
      const modelDir = await buildTinyMobileNet(tempDir());
      const io = captureIo();

      // Act
      const status = await runClassify(
        ['--model', modelDir, '--backend', 'wasm', '--decoder', decoder, '--json', '--no-progress', ...files],
        io,
      );

      // Assess
      const lines = io
        .out()
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              file: string;
              predictions?: unknown[];
              error?: { code: string; message: string };
              decoder?: string;
            },
        );
      const byFile = new Map(lines.map((l) => [l.file, l]));
      const mismatches: string[] = [];
      for (const [i, c] of cases.entries()) {
        const line = byFile.get(files[i] as string);
        const got = line?.error ? line.error.code : line?.predictions ? 'classified' : 'missing';
        const expected = expectationFor(c, decoder);
        if (got !== expected) mismatches.push(`${c.name}: expected ${expected}, got ${got}`);
        if (line?.error && !isHumanMessage(line.error.message))
          mismatches.push(`${c.name}: "${line.error.message}"`);
      }
      expect(lines).to.have.length(cases.length);
      expect(mismatches).to.deep.equal([]);
      expect(status).to.equal(1);
      // Formats libvips lacks (BMP) go to jimp, and each result says so.
      const decoders = new Set(lines.filter((l) => l.predictions).map((l) => l.decoder));
      expect([...decoders].sort()).to.deep.equal(decoder === 'jimp' ? ['jimp'] : ['jimp', 'sharp']);
    });
  }
});
