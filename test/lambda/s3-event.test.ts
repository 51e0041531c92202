import { expect } from 'chai';
import { InvalidEventError } from '../../function/lambda/errors';
import { decodeS3Key, encodeS3Key, isObjectCreated, parseS3Event } from '../../function/lambda/s3-event';
import { loadEvent, singleRecordEvent } from './support/fixtures';

describe('S3 event parsing', () => {
  describe('decodeS3Key', () => {
    const cases: Array<[string, string]> = [
      ['uploads/my%2Bphoto+1.jpg', 'uploads/my+photo 1.jpg'],
      [
        'uploads/holiday+photos/%C3%A9t%C3%A9+2024+%28beach%29.jpg',
        'uploads/holiday photos/été 2024 (beach).jpg',
      ],
      ['uploads/%E7%8C%AB/cat.bmp', 'uploads/猫/cat.bmp'],
      ['uploads/100%25.png', 'uploads/100%.png'],
      ['uploads/plain.jpg', 'uploads/plain.jpg'],
    ];
    for (const [encoded, key] of cases) {
      it(`decodes ${encoded} to ${key}`, () => {
        expect(decodeS3Key(encoded)).to.equal(key);
      });
    }

    it('rejects a key that is not URL-encoded, naming it', () => {
      expect(() => decodeS3Key('uploads/50%off.jpg')).to.throw(InvalidEventError, /uploads\/50%off\.jpg/);
    });

    it('round-trips keys through encodeS3Key, keeping slashes', () => {
      for (const key of ['uploads/my+photo 1.jpg', 'uploads/été/猫 & ~!*().jpg', 'a/b/c']) {
        const encoded = encodeS3Key(key);
        expect(encoded.split('/').length).to.equal(key.split('/').length);
        expect(encoded).not.to.include(' ');
        expect(decodeS3Key(encoded)).to.equal(key);
      }
    });
  });

  describe('parseS3Event', () => {
    it('reads the single-record fixture: bucket, decoded key, etag, size', () => {
      // Act
      const records = parseS3Event(loadEvent('s3-put'));

      // Assess
      expect(records).to.deep.equal([
        {
          index: 0,
          eventName: 'ObjectCreated:Put',
          eventTime: '2025-01-01T12:00:00.000Z',
          bucket: 'amzn-s3-demo-bucket',
          key: 'uploads/my+photo 1.jpg',
          encodedKey: 'uploads/my%2Bphoto+1.jpg',
          size: 596977,
          etag: '950b3e51873033c8c2262486a2d05dca',
          versionId: undefined,
        },
      ]);
    });

    it('reads every record of the multi-record fixture in order', () => {
      const records = parseS3Event(loadEvent('s3-put-multi'));
      expect(records.map((r) => [r.index, r.key])).to.deep.equal([
        [0, 'uploads/parrot.jpg'],
        [1, 'uploads/holiday photos/été 2024 (beach).jpg'],
        [2, 'uploads/猫/cat.bmp'],
      ]);
      expect(records.every(isObjectCreated)).to.equal(true);
    });

    it('keeps the version id of a versioned bucket', () => {
      const event = singleRecordEvent((r) => {
        r.s3.object.versionId = '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY';
      });
      expect(parseS3Event(event)[0]?.versionId).to.equal('3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY');
    });

    it('tells ObjectRemoved records apart', () => {
      const event = singleRecordEvent((r) => {
        r.eventName = 'ObjectRemoved:Delete';
      });
      expect(isObjectCreated(parseS3Event(event)[0] ?? { eventName: '' })).to.equal(false);
    });

    it('accepts an event without records', () => {
      expect(parseS3Event({ Records: [] })).to.deep.equal([]);
    });

    it('rejects something that is not an S3 event, saying what is missing', () => {
      expect(() => parseS3Event({ detail: {} })).to.throw(InvalidEventError, /Records/);
      const noKey = singleRecordEvent((r) => {
        (r.s3.object as { key?: string }).key = undefined;
      });
      expect(() => parseS3Event(noKey)).to.throw(InvalidEventError, /Records\.0\.s3\.object\.key/);
    });

    it('gives each test its own copy of a fixture', () => {
      const first = loadEvent('s3-put');
      first.Records.length = 0;
      expect(loadEvent('s3-put').Records).to.have.length(1);
    });
  });
});
