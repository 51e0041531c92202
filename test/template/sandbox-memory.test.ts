import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { SANDBOX_MEMORY_MB } from '../../scripts/lib/bundle-options';
import { PROJECT_ROOT } from '../../scripts/lib/project-root';

describe('the local Lambda sandbox', () => {
  it('reports the memory setting the template deploys by default', () => {
    const template = readFileSync(path.join(PROJECT_ROOT, 'template.yaml'), 'utf8');
    const memory = /^ {2}MemorySize:\n(?: {4}.*\n)*? {4}Default: (\d+)$/m.exec(template);
    expect(memory?.[1], 'MemorySize default in template.yaml').to.equal(String(SANDBOX_MEMORY_MB));
  });
});
