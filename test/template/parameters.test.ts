import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  memoryForPixelsMb,
  TEMPLATE_DEFAULT_MAX_PIXELS,
  TEMPLATE_DEFAULT_MEMORY_MB,
} from '../../scripts/lib/memory-for-pixels';
import { tempDir } from '../support/tiny-models';
import { expandTemplate, expandUnavailable } from './support/policy-table';
import { loadTemplate } from './support/project-files';
import { allowedByPattern, ruleViolations } from './support/rules';

const template = loadTemplate();
const params = template.Parameters;

/** Prefixes that become IAM resource patterns or S3 filters: nothing in them may widen a pattern. */
const WIDENING = ['up*/', 'up?/', '*/', '../', 'a/../', 'a..b/', '/uploads/', 'uploads', '', 'a//b/', 'a b/'];

describe('template.yaml parameters and Rules', () => {
  describe('prefix parameters', () => {
    for (const name of ['UploadPrefix', 'ResultsPrefix', 'BatchPrefix']) {
      it(`${name} is one path segment ending in /, with no wildcard, no .. and no leading /`, () => {
        // Assess
        for (const bad of WIDENING)
          expect(allowedByPattern(params[name], bad), JSON.stringify(bad)).to.equal(false);
        expect(allowedByPattern(params[name], 'a/b/'), 'two segments').to.equal(false);
        for (const good of ['uploads/', 'results/', 'batch/', 'my-photos_2(x)!/', 'v1.2/']) {
          expect(allowedByPattern(params[name], good), good).to.equal(true);
        }
        expect(allowedByPattern(params[name], params[name].Default)).to.equal(true);
      });
    }

    for (const name of ['OnDemandPrefixes', 'InventoryPrefix']) {
      it(`${name} may be empty or several segments, never a wildcard, .. or a leading /`, () => {
        for (const bad of WIDENING.filter((w) => w !== '')) {
          expect(allowedByPattern(params[name], bad), JSON.stringify(bad)).to.equal(false);
        }
        for (const good of ['', 'uploads/', 'uploads/public/', 'inventory/daily/']) {
          expect(allowedByPattern(params[name], good), good).to.equal(true);
        }
      });
    }

    it('OnDemandPrefixes checks every prefix of the list', () => {
      expect(params.OnDemandPrefixes.Type).to.equal('CommaDelimitedList');
      expect(allowedByPattern(params.OnDemandPrefixes, 'uploads/,results/')).to.equal(true);
      expect(allowedByPattern(params.OnDemandPrefixes, 'uploads/,*')).to.equal(false);
    });
  });

  describe('the Rules', () => {
    it('accept the defaults', () => {
      expect(ruleViolations(template, {})).to.deep.equal([]);
    });

    it('refuse any two of the upload, results and batch prefixes nested in each other', () => {
      // Prepare: every prefix the patterns admit among these, in every role.
      const candidates = ['uploads/', 'results/', 'batch/', 'u/', 'uploads.old/', 'x/'];
      let checked = 0;
      for (const upload of candidates)
        for (const results of candidates)
          for (const batch of candidates) {
            const values = { UploadPrefix: upload, ResultsPrefix: results, BatchPrefix: batch };
            const pairs = [
              [upload, results],
              [upload, batch],
              [results, batch],
            ] as const;
            const nested = pairs.some(([a, b]) => a.startsWith(b) || b.startsWith(a));

            // Act
            const violations = ruleViolations(template, values);

            // Assess
            expect(violations.length > 0, JSON.stringify(values)).to.equal(nested);
            checked += 1;
          }
      expect(checked).to.equal(candidates.length ** 3);
    });

    it('refuse a pixel limit the memory size cannot decode, and nothing else', () => {
      const memories: number[] = params.MemorySize.AllowedValues;
      const limits: number[] = params.MaxPixels.AllowedValues;
      expect(params.MemorySize.Default).to.equal(TEMPLATE_DEFAULT_MEMORY_MB);
      expect(params.MaxPixels.Default).to.equal(TEMPLATE_DEFAULT_MAX_PIXELS);
      expect(memories).to.include(params.MemorySize.Default);
      expect(limits).to.include(params.MaxPixels.Default);
      for (const memory of memories)
        for (const pixels of limits) {
          // Act
          const violations = ruleViolations(template, {
            MemorySize: String(memory),
            MaxPixels: String(pixels),
          });

          // Assess
          const fits = memory >= memoryForPixelsMb(pixels);
          expect(violations.length === 0, `${memory} MB with ${pixels} pixels`).to.equal(fits);
        }
    });

    it('refuse an inventory prefix without an inventory bucket', () => {
      expect(ruleViolations(template, { InventoryPrefix: 'inventory/' })).to.have.length(1);
      expect(
        ruleViolations(template, { InventoryPrefix: 'inventory/', InventoryBucket: 'my-inventory' }),
      ).to.deep.equal([]);
    });
  });

  describe('cfn-lint with parameter values', () => {
    let dir: string;
    let expandedFile: string;

    before(function () {
      const missing = expandUnavailable();
      const lint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
      if (missing || lint.error) {
        console.log(`      skipped: ${missing ?? 'cfn-lint is not on PATH (pip install cfn-lint)'}`);
        this.skip();
      }
      // cfn-lint drops --parameters when it applies the SAM transform itself, so it lints the expanded copy.
      dir = tempDir('lambdavision-cfn-params-');
      expandedFile = path.join(dir, 'expanded.json');
      writeFileSync(expandedFile, JSON.stringify(expandTemplate()));
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const lintWith = (values: string[]): string => {
      const run = spawnSync('cfn-lint', ['-f', 'parseable', '--parameters', ...values, '--', expandedFile], {
        encoding: 'utf8',
      });
      return `${run.stdout}${run.stderr}`;
    };

    it('refuses a memory size or pixel limit outside their tiers (E2900), and only those', () => {
      // Act: one run (cfn-lint takes seconds per template).
      const output = lintWith(['MemorySize=1000', 'MaxPixels=50000000', 'UploadPrefix=uploads/', 'TopK=5']);

      // Assess
      const e2900 = output.split('\n').filter((line) => line.includes(':E2900:'));
      expect(e2900.join('\n')).to.match(/'1000' is not one of/);
      expect(e2900.join('\n')).to.match(/'50000000' is not one of/);
      expect(e2900, output).to.have.length(2);
    });
  });
});
