import { expect } from 'chai';
import { resultKeyFor, resultLocationFor, skipReasonFor } from '../../function/lambda/result-key';

describe('result keys', () => {
  it('puts the result at <prefix><original key>.json', () => {
    expect(resultKeyFor('uploads/a b.jpg', 'results/')).to.equal('results/uploads/a b.jpg.json');
  });

  it('keeps keys that look like paths, unicode, + and % as they are, under the prefix', () => {
    for (const key of [
      'uploads/../../etc/passwd',
      'uploads/%2e%2e/x',
      'uploads/a+b c.jpg',
      'uploads/日本 é.jpg',
    ]) {
      const result = resultKeyFor(key, 'results/');
      expect(result).to.equal(`results/${key}.json`);
      expect(result.startsWith('results/')).to.equal(true);
    }
  });

  it('maps keys too long for a result key to a hash under the prefix, within S3 limits and distinct', () => {
    // Prepare: two 1020-byte keys that differ only in their last character
    const a = `uploads/${'a'.repeat(1011)}1`;
    const b = `uploads/${'a'.repeat(1011)}2`;
    // Act
    const [ra, rb] = [resultKeyFor(a, 'results/'), resultKeyFor(b, 'results/')];
    // Assess
    expect(ra).to.match(/^results\/\.long-keys\/[0-9a-f]{64}\.json$/);
    expect(ra).to.not.equal(rb);
    expect(Buffer.byteLength(ra)).to.be.at.most(1024);
    // Multi-byte characters count in bytes, as S3 counts them.
    const wide = `uploads/${'é'.repeat(505)}`;
    expect(Buffer.byteLength(`results/${wide}.json`)).to.be.above(1024);
    expect(resultKeyFor(wide, 'results/')).to.match(/\.long-keys\//);
    // A key that fits keeps the readable mapping.
    const fits = `uploads/${'a'.repeat(1003)}`;
    expect(resultKeyFor(fits, 'results/')).to.equal(`results/${fits}.json`);
  });

  it('writes to the source bucket unless RESULTS_BUCKET is set', () => {
    const source = { bucket: 'images', key: 'uploads/x.jpg' };
    expect(resultLocationFor(source, { resultsBucket: undefined, resultsPrefix: 'results/' })).to.deep.equal({
      bucket: 'images',
      key: 'results/uploads/x.jpg.json',
    });
    expect(resultLocationFor(source, { resultsBucket: 'other', resultsPrefix: '' })).to.deep.equal({
      bucket: 'other',
      key: 'uploads/x.jpg.json',
    });
  });

  describe('skipReasonFor', () => {
    const config = { resultsBucket: undefined, resultsPrefix: 'results/', uploadPrefix: 'uploads/' };

    it('classifies uploads', () => {
      expect(skipReasonFor({ bucket: 'b', key: 'uploads/x.jpg' }, config)).to.equal(undefined);
    });

    it("ignores the function's own results, so a result never triggers another", () => {
      expect(skipReasonFor({ bucket: 'b', key: 'results/uploads/x.jpg.json' }, config)).to.equal(
        'result-object',
      );
    });

    it('ignores keys outside the upload prefix', () => {
      expect(skipReasonFor({ bucket: 'b', key: 'other/x.jpg' }, config)).to.equal('outside-upload-prefix');
    });

    it('ignores results even when every key counts as an upload', () => {
      const all = { ...config, uploadPrefix: '' };
      expect(skipReasonFor({ bucket: 'b', key: 'results/x.json' }, all)).to.equal('result-object');
      expect(skipReasonFor({ bucket: 'b', key: 'x.jpg' }, all)).to.equal(undefined);
    });

    it('does not mistake uploads for results when results go to another bucket', () => {
      const elsewhere = { resultsBucket: 'results-bucket', resultsPrefix: '', uploadPrefix: 'uploads/' };
      expect(skipReasonFor({ bucket: 'images', key: 'uploads/x.jpg' }, elsewhere)).to.equal(undefined);
      expect(skipReasonFor({ bucket: 'results-bucket', key: 'uploads/x.jpg.json' }, elsewhere)).to.equal(
        'result-object',
      );
    });
  });
});
