import { expect } from 'chai';
import { resultKeyFor, resultLocationFor, skipReasonFor } from '../../function/lambda/result-key';

describe('result keys', () => {
  it('puts the result at <prefix><original key>.json', () => {
    expect(resultKeyFor('uploads/a b.jpg', 'results/')).to.equal('results/uploads/a b.jpg.json');
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
