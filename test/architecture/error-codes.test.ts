import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  codesIn,
  ERROR_CODES,
  ErrorCode,
  errorKind,
  isErrorCode,
  LambdaVisionError,
} from '../../function/classifier';
import { ERROR_CODES_DOC, renderErrorCodes } from '../../scripts/lib/error-codes-doc';
import { sourceFiles } from './support/imports';

describe('the error family', () => {
  it('names every code by itself, derived from the one list', () => {
    expect(Object.keys(ErrorCode)).to.deep.equal(Object.keys(ERROR_CODES));
    for (const [name, value] of Object.entries(ErrorCode)) expect(value).to.equal(name);
  });

  it('gives every code a kind, a scope and a one-line description', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(entry.kind, code).to.be.oneOf(['permanent', 'transient']);
      expect(entry.description, code).to.match(/^\S.*\S$/);
      expect(entry.description, code).not.to.include('\n');
      expect(codesIn(entry.scope), code).to.include(code);
    }
  });

  it('says image failures are permanent and S3 trouble transient', () => {
    for (const code of codesIn('image')) expect(errorKind(code), code).to.equal('permanent');
    for (const code of [
      'S3_UNAVAILABLE',
      'S3_THROTTLED',
      'S3_UNREACHABLE',
      'DEADLINE',
      'UNEXPECTED',
    ] as const)
      expect(errorKind(code), code).to.equal('transient');
    expect(new LambdaVisionError(ErrorCode.CORRUPT_IMAGE, 'damaged').kind).to.equal('permanent');
  });

  it('tells a code from anything else', () => {
    expect(isErrorCode('CORRUPT_IMAGE')).to.equal(true);
    expect(isErrorCode('toString')).to.equal(false);
    expect(isErrorCode('ENOENT')).to.equal(false);
  });

  it('documents exactly the listed codes (docs/error-codes.md, from `npm run docs:error-codes`)', () => {
    const doc = readFileSync(ERROR_CODES_DOC, 'utf8');
    expect(doc, 'docs/error-codes.md is stale: run npm run docs:error-codes').to.equal(renderErrorCodes());
    const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).to.deep.equal(Object.keys(ERROR_CODES));
  });

  it('has one base: no class in function/ or the CLI extends Error but LambdaVisionError', () => {
    const files = [...sourceFiles('function'), ...sourceFiles('scripts/cli'), ...sourceFiles('scripts/lib')];
    const strays = files.flatMap(({ file, text }) =>
      [...text.matchAll(/class\s+(\w+)\s+extends\s+(Error|AggregateError|TypeError|RangeError)\b/g)]
        .filter((m) => m[1] !== 'LambdaVisionError')
        .map((m) => `${file}: ${m[1]} extends ${m[2]}`),
    );
    expect(strays).to.deep.equal([]);
  });
});
