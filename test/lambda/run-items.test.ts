import { expect } from 'chai';
import { ErrorCode, ImageError } from '../../function/classifier';
import { MIN_DEADLINE_MARGIN_MS } from '../../function/lambda/deadline';
import { ObjectStoreError, PermanentFailure } from '../../function/lambda/errors';
import { type ItemOutcome, runItem, runItems } from '../../function/lambda/run-items';
import { lambdaContext } from './support/fakes';

type Outcome = ItemOutcome<string, string>;
const summary = (o: Outcome) =>
  o.status === 'done'
    ? `${o.item}:done:${o.value}`
    : `${o.item}:${o.status}${'code' in o ? `:${o.code}` : ''}`;

describe('runItems', () => {
  it('gives one outcome per item, in order: done, permanent, transient', async () => {
    // Prepare
    const work = async (item: string) => {
      if (item === 'corrupt') throw new ImageError(ErrorCode.CORRUPT_IMAGE, 'damaged');
      if (item === 'gone') throw new PermanentFailure(ErrorCode.OBJECT_NOT_FOUND, 'NoSuchKey');
      if (item === 'slow-s3') throw new ObjectStoreError(ErrorCode.S3_THROTTLED, 'SlowDown');
      if (item === 'bug') throw new TypeError('x is undefined');
      return item.toUpperCase();
    };

    // Act
    const run = await runItems(['a', 'corrupt', 'gone', 'slow-s3', 'bug', 'b'], lambdaContext(), work);

    // Assess
    expect(run.outcomes.map(summary)).to.deep.equal([
      'a:done:A',
      'corrupt:permanent:CORRUPT_IMAGE',
      'gone:permanent:OBJECT_NOT_FOUND',
      'slow-s3:transient:S3_THROTTLED',
      'bug:transient:UNEXPECTED',
      'b:done:B',
    ]);
    expect(run.stop).to.equal(undefined);
  });

  it('keeps the error each failed item threw', async () => {
    // Prepare
    const thrown = new ObjectStoreError(ErrorCode.S3_UNAVAILABLE, 'InternalError (HTTP 500)');

    // Act
    const run = await runItems(['a'], lambdaContext(), async () => {
      throw thrown;
    });

    // Assess
    const [outcome] = run.outcomes;
    expect(outcome?.status).to.equal('transient');
    expect(outcome && 'error' in outcome ? outcome.error : undefined).to.equal(thrown);
  });

  it('leaves the items after the deadline margin not reached, and says where it stopped', async () => {
    // Prepare
    const remaining = [30_000, 30_000, MIN_DEADLINE_MARGIN_MS - 1];
    const ran: string[] = [];

    // Act
    const run = await runItems(
      ['a', 'b', 'c', 'd'],
      lambdaContext(() => remaining.shift() ?? 0),
      async (item) => {
        ran.push(item);
        return item;
      },
    );

    // Assess
    expect(ran).to.deep.equal(['a', 'b']);
    expect(run.outcomes.map(summary)).to.deep.equal([
      'a:done:a',
      'b:done:b',
      'c:not-reached',
      'd:not-reached',
    ]);
    expect(run.stop?.left).to.deep.equal(['c', 'd']);
    expect(run.stop?.remainingMs).to.equal(MIN_DEADLINE_MARGIN_MS - 1);
  });

  it('tells each outcome as it happens, before the next item starts', async () => {
    // Prepare
    const events: string[] = [];

    // Act
    await runItems(
      ['a', 'b'],
      lambdaContext(),
      async (item) => {
        events.push(`start ${item}`);
        if (item === 'a') throw new Error('boom');
        return item;
      },
      (outcome) => events.push(`${outcome.item} ${outcome.status}`),
    );

    // Assess
    expect(events).to.deep.equal(['start a', 'a transient', 'start b', 'b done']);
  });

  it('gives each item a signal that aborts before the deadline', async () => {
    // Prepare
    let signal: AbortSignal | undefined;

    // Act
    await runItems(['a'], lambdaContext(MIN_DEADLINE_MARGIN_MS + 20), async (_item, s) => {
      signal = s;
      await new Promise((resolve) => setTimeout(resolve, 60));
    });

    // Assess
    expect(signal?.aborted).to.equal(true);
  });

  it('runs a single item the same way: one outcome', async () => {
    // Act
    const done = await runItem('a', lambdaContext(), async (item) => item.toUpperCase());
    const late = await runItem('b', lambdaContext(MIN_DEADLINE_MARGIN_MS - 1), async (item) => item);

    // Assess
    expect(summary(done)).to.equal('a:done:A');
    expect(summary(late)).to.equal('b:not-reached');
  });
});
