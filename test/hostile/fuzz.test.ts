import { expect } from 'chai';
import { type Classifier, loadClassifier } from '../../function/classifier';
import { runCase, Tally } from '../support/hostile-corpus';
import { fuzzCase, fuzzSeeds, type SeedFile } from '../support/hostile-fuzz';
import { buildTinyMobileNet, tempDir } from '../support/tiny-models';

// A few hundred cases in the regular run; `npm run fuzz` runs thousands. Override to reproduce a report.
const CASES = Number(process.env.LAMBDAVISION_FUZZ_CASES ?? 600);
const SEED = Number(process.env.LAMBDAVISION_FUZZ_SEED ?? 20260601);
// A hang detector, not a benchmark: each mutant decodes in milliseconds; ten seconds means a loop.
const BUDGET_MS = 10_000;

describe('seeded fuzz of mutated JPEG, PNG, GIF, BMP and TIFF files', function () {
  this.timeout(180_000);
  let classifier: Classifier;
  let seeds: SeedFile[];

  before(async () => {
    classifier = await loadClassifier({ modelDir: await buildTinyMobileNet(tempDir()), backend: 'wasm' });
    seeds = await fuzzSeeds();
  });

  after(() => classifier?.dispose());

  it('starts from seed files that all classify', async () => {
    for (const seed of seeds) {
      const outcome = await runCase(classifier, seed.bytes);
      expect(outcome.kind, seed.name).to.equal('classified');
    }
  });

  it(`classifies each of ${CASES} mutants (seed ${SEED}) or refuses it with a known code, within the time budget`, async () => {
    const tally = new Tally();
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const mutant = fuzzCase(seeds, SEED, i);
      const outcome = await runCase(classifier, mutant.bytes);
      tally.add(mutant.name, outcome);
      if (outcome.kind === 'crashed' || outcome.ms > BUDGET_MS) {
        const error =
          outcome.kind === 'crashed' ? String((outcome.error as Error)?.stack ?? outcome.error) : '';
        failures.push(`${mutant.name} (${mutant.mutations.join('; ')}) ${outcome.ms.toFixed(0)} ms ${error}`);
      }
    }
    console.log(`      ${tally.summary(`fuzz seed=${SEED}`)}`);
    expect(
      failures,
      'reproduce one with LAMBDAVISION_FUZZ_SEED and npm run fuzz -- --case <index>',
    ).to.deep.equal([]);
    expect(tally.tried).to.equal(CASES);
    // Mutants must reach the decoders, not only the header checks.
    expect(tally.classified).to.be.above(CASES / 10);
    expect(tally.refusedTotal).to.be.above(CASES / 10);
  });
});
