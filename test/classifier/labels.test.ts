import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCode, type ModelError } from '../../function/classifier/errors';
import { loadLabels } from '../../function/classifier/labels';
import { tempDir } from '../support/tiny-models';

describe('labels', () => {
  it('accepts a list naming every output, background included, and drops the background names', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'labels.json'), JSON.stringify(['background', 'cat', 'dog']));
    const { labels, source } = await loadLabels({ searchDirs: [dir], outputs: 3, background: 1 });
    expect(labels).to.deep.equal(['cat', 'dog']);
    expect(source).to.equal(path.join(dir, 'labels.json'));
  });

  it('accepts a list naming only the classes, and plain text with one name per line', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'labels.txt'), 'cat\ndog\n');
    expect((await loadLabels({ searchDirs: [dir], outputs: 3, background: 1 })).labels).to.deep.equal([
      'cat',
      'dog',
    ]);
  });

  it('reads the labels field of a tfjs-models metadata.json', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ labels: ['a', 'b'] }));
    expect((await loadLabels({ searchDirs: [dir], outputs: 2, background: 0 })).labels).to.deep.equal([
      'a',
      'b',
    ]);
  });

  it('refuses a list whose length matches neither outputs nor classes, naming the file and the counts', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'labels.json'), JSON.stringify(['a', 'b', 'c', 'd']));
    try {
      await loadLabels({ searchDirs: [dir], outputs: 1001, background: 1 });
      expect.fail('mismatch accepted');
    } catch (error) {
      expect((error as ModelError).code).to.equal(ErrorCode.LABELS_MISMATCH);
      expect((error as Error).message).to.contain('labels.json has 4 names but the model has 1001 outputs');
    }
  });

  it('falls back to the ImageNet class names for 1000-class models without a label file', async () => {
    const { labels, source } = await loadLabels({ searchDirs: [tempDir()], outputs: 1001, background: 1 });
    expect(labels).to.have.length(1000);
    expect(labels[0]).to.equal('tench, Tinca tinca');
    expect(source).to.contain('@tensorflow-models/mobilenet');
  });
});
