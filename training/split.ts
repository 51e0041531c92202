import { seededRandom, shuffled } from './random';

/**
 * Stratified split: per label, a seeded shuffle and the first round(fraction × n) to the test side, but
 * at least one image stays for training and a label with two or more images gives at least one to test.
 */
export function stratifiedSplit(
  labelsOf: readonly number[],
  fraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  const random = seededRandom(seed);
  const byLabel = new Map<number, number[]>();
  labelsOf.forEach((label, index) => {
    byLabel.set(label, [...(byLabel.get(label) ?? []), index]);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const indices = shuffled(byLabel.get(label) ?? [], random);
    const wanted = Math.round(indices.length * fraction);
    const take = indices.length < 2 ? 0 : Math.min(indices.length - 1, Math.max(1, wanted));
    test.push(...indices.slice(0, take));
    train.push(...indices.slice(take));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
