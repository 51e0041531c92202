import { expect } from 'chai';
import { MIN_DEADLINE_MARGIN_MS, runBeforeDeadline } from '../../function/lambda/deadline';
import { lambdaContext } from './support/fakes';

describe('runBeforeDeadline', () => {
  it('runs every item while there is time and reports no stop', async () => {
    // Prepare
    const ran: string[] = [];

    // Act
    const stop = await runBeforeDeadline(['a', 'b', 'c'], lambdaContext(30_000), async (item) => {
      ran.push(item);
    });

    // Assess
    expect(ran).to.deep.equal(['a', 'b', 'c']);
    expect(stop).to.equal(undefined);
  });

  it('stops once the time left is under the margin and returns the items not started', async () => {
    // Prepare
    const remaining = [30_000, MIN_DEADLINE_MARGIN_MS - 1];
    const ran: string[] = [];

    // Act
    const stop = await runBeforeDeadline(
      ['a', 'b', 'c'],
      lambdaContext(() => remaining.shift() ?? 0),
      async (item) => {
        ran.push(item);
      },
    );

    // Assess
    expect(ran).to.deep.equal(['a']);
    expect(stop?.left).to.deep.equal(['b', 'c']);
    expect(stop?.remainingMs).to.equal(MIN_DEADLINE_MARGIN_MS - 1);
    expect(stop?.marginMs).to.be.at.least(MIN_DEADLINE_MARGIN_MS);
  });
});
