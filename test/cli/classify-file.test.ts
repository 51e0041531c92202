import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { ERROR_CODES, ErrorCode, ImageError } from '../../function/classifier/index';
import { describeError } from '../../scripts/cli/classify-file';

describe('classify: how a failed file is described', () => {
  it("keeps the project's code and a file system's code, and calls anything else UNEXPECTED, a code in the table", async () => {
    expect(describeError(new ImageError(ErrorCode.CORRUPT_IMAGE, 'truncated'))).to.deep.equal({
      code: 'CORRUPT_IMAGE',
      message: 'truncated',
    });
    const missing = await readFile('no such file here').catch((e: unknown) => e);
    expect(describeError(missing).code).to.equal('ENOENT');
    const bug = describeError(new TypeError('x is undefined'));
    expect(bug).to.deep.equal({ code: 'UNEXPECTED', message: 'x is undefined' });
    expect(ERROR_CODES).to.have.property(bug.code);
    expect(describeError('thrown string')).to.deep.equal({ code: 'UNEXPECTED', message: 'thrown string' });
  });
});
