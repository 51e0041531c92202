import { expect } from 'chai';
import { ErrorCode, ImageError } from '../../function/classifier';
import { createFunctionHandler, ObjectStoreError } from '../../function/lambda/index';
import { handlerWithFakes, lambdaContext } from './support/fakes';
import { loadFixture } from './support/fixtures';

type Answer = { statusCode: number; headers: Record<string, string>; body: string };

/** events/rekognition-detect-labels.json with its body replaced. */
function detectLabelsEvent(body?: Record<string, unknown>) {
  const event = loadFixture<{ body: string }>('rekognition-detect-labels');
  if (body) event.body = JSON.stringify(body);
  return event;
}

// The fake classifier answers "macaw" (0.9) for any bytes but CORRUPT; the real model is in
// rekognition-clients.test.ts.
describe('the Rekognition event source over fakes', () => {
  const setup = () =>
    handlerWithFakes(createFunctionHandler, {
      CORRUPT: new ImageError(ErrorCode.CORRUPT_IMAGE, 'truncated'),
    });

  it('answers the fixture (an S3 object, as sam local invoke would send it) with labels and parents', async () => {
    // Prepare
    const { handler, store, printed } = setup();
    store.add('lambdavision', 'uploads/my+photo 1.jpg', Buffer.from('PARROT'));

    // Act
    const answer = (await handler(detectLabelsEvent(), lambdaContext())) as Answer;

    // Assess
    expect(answer.statusCode).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/x-amz-json-1.1');
    const body = JSON.parse(answer.body);
    // Equal confidences (all 90: one class) rank by name.
    expect(body.Labels.map((l: { Name: string }) => l.Name)).to.deep.equal([
      'Animal',
      'Bird',
      'Macaw',
      'Parrot',
    ]);
    expect(body.Labels[2].Parents).to.deep.equal([{ Name: 'Parrot' }, { Name: 'Bird' }, { Name: 'Animal' }]);
    expect(body.LabelModelVersion).to.equal('lambdavision/fake-model');
    expect(printed).to.deep.equal(['score=0.900000 classid=88 human=macaw']);
  });

  it('reads the object through the store the other sources use, and maps its failures', async () => {
    const { handler, store } = setup();
    const ask = async (key: string) =>
      (await handler(
        detectLabelsEvent({ Image: { S3Object: { Bucket: 'lambdavision', Name: key } } }),
        lambdaContext(),
      )) as Answer;
    store.add('lambdavision', 'uploads/bad.jpg', Buffer.from('CORRUPT'));
    store.add('lambdavision', 'photos/elsewhere.jpg', Buffer.from('PARROT'));
    store.failGet.set(
      'lambdavision/uploads/denied.jpg',
      new ObjectStoreError(ErrorCode.ACCESS_DENIED, 'AccessDenied'),
    );
    store.failGet.set(
      'lambdavision/uploads/busy.jpg',
      new ObjectStoreError(ErrorCode.S3_UNAVAILABLE, 'SlowDown'),
    );

    // Forbidden and outside the on-demand prefixes answer as missing: no caller learns an object exists.
    const cases: Array<[string, number, string]> = [
      ['uploads/missing.jpg', 400, 'InvalidS3ObjectException'],
      ['uploads/bad.jpg', 400, 'InvalidImageFormatException'],
      ['uploads/denied.jpg', 400, 'InvalidS3ObjectException'],
      ['photos/elsewhere.jpg', 400, 'InvalidS3ObjectException'],
      ['uploads/busy.jpg', 500, 'ThrottlingException'],
    ];
    for (const [key, status, type] of cases) {
      const answer = await ask(key);
      expect([answer.statusCode, JSON.parse(answer.body).__type], key).to.deep.equal([status, type]);
      expect(answer.headers['x-amzn-errortype']).to.equal(type);
    }
    expect(store.gets.map((g) => g.key)).to.have.members([
      'uploads/missing.jpg',
      'uploads/bad.jpg',
      'uploads/denied.jpg',
      'uploads/busy.jpg',
    ]);
  });

  it('answers a deadline too near with a 500 the SDKs retry, without reading anything', async () => {
    const { handler, store } = setup();
    store.add('lambdavision', 'uploads/my+photo 1.jpg', Buffer.from('PARROT'));
    const answer = (await handler(detectLabelsEvent(), lambdaContext(10))) as Answer;
    expect(answer.statusCode).to.equal(500);
    expect(JSON.parse(answer.body).__type).to.equal('InternalServerError');
    expect(store.gets).to.have.length(0);
  });
});
