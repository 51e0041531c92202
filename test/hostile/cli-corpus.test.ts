import { expect } from 'chai';
import { type CliIo, runClassify } from '../../scripts/cli/classify-command';
import { buildHostileCorpus, isHumanMessage, writeCorpus } from '../support/hostile-corpus';
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

  it('prints one JSON line for every file, a result or an error with the expected code, and exits 1', async () => {
    // Prepare
    const files = writeCorpus(tempDir('lambdavision-corpus-'), cases);
    const modelDir = await buildTinyMobileNet(tempDir());
    const io = captureIo();

    // Act
    const status = await runClassify(
      ['--model', modelDir, '--backend', 'wasm', '--json', '--no-progress', ...files],
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
          },
      );
    const byFile = new Map(lines.map((l) => [l.file, l]));
    const mismatches: string[] = [];
    for (const [i, c] of cases.entries()) {
      const line = byFile.get(files[i] as string);
      const got = line?.error ? line.error.code : line?.predictions ? 'classified' : 'missing';
      if (got !== c.expect) mismatches.push(`${c.name}: expected ${c.expect}, got ${got}`);
      if (line?.error && !isHumanMessage(line.error.message))
        mismatches.push(`${c.name}: "${line.error.message}"`);
    }
    expect(lines).to.have.length(cases.length);
    expect(mismatches).to.deep.equal([]);
    expect(status).to.equal(1);
  });
});
