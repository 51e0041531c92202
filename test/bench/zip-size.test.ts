import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { zipSize } from '../../bench/lib/zip-size';
import { tempDir } from '../support/tiny-models';

describe('bench zip size', () => {
  it('stores incompressible bytes as they are, plus the ZIP headers', () => {
    // Prepare
    const dir = tempDir('lambdavision-zip-');
    const file = path.join(dir, 'random.bin');
    writeFileSync(file, randomBytes(64 * 1024));

    // Act
    const size = zipSize([{ name: 'random.bin', file }]);

    // Assess: 30 + 46 header bytes and the name twice per entry, 22 for the end record
    expect(size).to.equal(64 * 1024 + 30 + 46 + 2 * 'random.bin'.length + 22);
  });

  it('counts repetitive text at a small fraction of its size', () => {
    // Prepare
    const dir = tempDir('lambdavision-zip-');
    const file = path.join(dir, 'text.js');
    writeFileSync(file, 'export const x = 1;\n'.repeat(10_000));

    // Act
    const size = zipSize([{ name: 'nodejs/node_modules/x/text.js', file }]);

    // Assess
    expect(size).to.be.below(200_000 / 20);
  });
});
