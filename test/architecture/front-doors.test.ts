import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { coreViolations, frontDoorViolations, ROOT, sourceFiles } from './support/imports';

/**
 * The project's layout rules, checked on the source itself:
 * - a wing is a folder of function/ with an index.ts, its front door;
 * - scripts/, bench/ and layer/ import a wing only through its front door;
 * - a wing imports another wing only through that wing's front door;
 * - a test imports a wing's internals only from that wing's own test folder (test/<wing>/);
 * - the classifier core imports nothing from AWS and never reads the environment.
 */

const WINGS = readdirSync(path.join(ROOT, 'function'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe('front doors', () => {
  it('finds the wings, each with an index.ts', () => {
    expect(WINGS).to.include.members(['classifier', 'lambda']);
    for (const wing of WINGS) {
      expect(
        sourceFiles(`function/${wing}`).some((f) => f.file === `function/${wing}/index.ts`),
        `function/${wing}/index.ts`,
      ).to.equal(true);
    }
  });

  for (const folder of ['scripts', 'bench', 'layer']) {
    it(`keeps ${folder}/ to the wings' front doors`, () => {
      expect(frontDoorViolations(sourceFiles(folder), WINGS)).to.deep.equal([]);
    });
  }

  it("keeps each wing to the other wings' front doors", () => {
    expect(frontDoorViolations(sourceFiles('function'), WINGS)).to.deep.equal([]);
  });

  it('keeps tests to the front doors of wings other than their own (test/<wing>/ may reach inside)', () => {
    // This folder's own fixtures name wings' internals on purpose.
    const tests = sourceFiles('test').filter((f) => !f.file.startsWith('test/architecture/'));
    expect(tests.length).to.be.greaterThan(50);
    expect(frontDoorViolations(tests, WINGS)).to.deep.equal([]);
  });

  it('keeps the classifier core free of AWS and of the environment', () => {
    expect(coreViolations(sourceFiles('function/classifier'))).to.deep.equal([]);
  });

  it('keeps the front doors free of side effects: they only re-export', () => {
    for (const wing of WINGS) {
      const text = readFileSync(path.join(ROOT, 'function', wing, 'index.ts'), 'utf8');
      const code = text
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
        .replace(/export\s+(type\s+)?\{[^}]*\}\s+from\s+'[^']+';/g, '')
        .replace(/export\s+\*(\s+as\s+\w+)?\s+from\s+'[^']+';/g, '')
        .trim();
      expect(code, `function/${wing}/index.ts`).to.equal('');
    }
  });

  describe('the checks themselves', () => {
    const wings = ['classifier', 'lambda'];

    it('flag a script, a benchmark or a layer file that reaches inside a wing', () => {
      const files = [
        {
          file: 'scripts/lib/x.ts',
          text: "import { createFunctionHandler } from '../../function/lambda/router';",
        },
        {
          file: 'bench/lib/y.ts',
          text: "import type { Timings } from '../../function/classifier/classifier';",
        },
        { file: 'layer/z.ts', text: "const m = await import('../function/classifier/backend.ts');" },
        { file: 'scripts/ok.ts', text: "import { loadConfig } from '../function/lambda';" },
        { file: 'scripts/ok2.ts', text: "export { loadClassifier } from '../function/classifier/index';" },
      ];
      expect(frontDoorViolations(files, wings)).to.deep.equal([
        'scripts/lib/x.ts -> ../../function/lambda/router',
        'bench/lib/y.ts -> ../../function/classifier/classifier',
        'layer/z.ts -> ../function/classifier/backend.ts',
      ]);
    });

    it("flag a wing, or another wing's tests, reaching inside a wing, but not a wing's own tests", () => {
      const files = [
        {
          file: 'function/lambda/config.ts',
          text: "import { DEFAULT_LIMITS } from '../classifier/image-probe';",
        },
        { file: 'function/lambda/router.ts', text: "import { loadClassifier } from '../classifier';" },
        {
          file: 'test/lambda/x.test.ts',
          text: "import { runItems } from '../../function/lambda/run-items';",
        },
        {
          file: 'test/lambda/y.test.ts',
          text: "import { probeImage } from '../../function/classifier/image-probe';",
        },
        { file: 'test/hostile/z.test.ts', text: "const { x } = require('../../function/lambda/errors');" },
      ];
      expect(frontDoorViolations(files, wings)).to.deep.equal([
        'function/lambda/config.ts -> ../classifier/image-probe',
        'test/lambda/y.test.ts -> ../../function/classifier/image-probe',
        'test/hostile/z.test.ts -> ../../function/lambda/errors',
      ]);
    });

    it('flag a core file that imports AWS or reads the environment', () => {
      const files = [
        { file: 'function/classifier/a.ts', text: "import type { Context } from 'aws-lambda';" },
        { file: 'function/classifier/b.ts', text: "import { S3Client } from '@aws-sdk/client-s3';" },
        { file: 'function/classifier/c.ts', text: 'const dir = process.env.MODEL_DIR;' },
        { file: 'function/classifier/d.ts', text: "const dir = process['env'];" },
        { file: 'function/classifier/e.ts', text: "import * as tf from '@tensorflow/tfjs-core';" },
      ];
      expect(coreViolations(files)).to.deep.equal([
        'function/classifier/a.ts imports aws-lambda',
        'function/classifier/b.ts imports @aws-sdk/client-s3',
        'function/classifier/c.ts reads process.env',
        'function/classifier/d.ts reads process.env',
      ]);
    });
  });
});
