import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';
import { expect } from 'chai';
import { type ClassProbability, detectLabels, labelHierarchy } from '../../function/labels/index';

/** A full probability vector: the given classes, every other class at zero. */
function probabilities(given: Record<number, number>): ClassProbability[] {
  return Array.from({ length: 1000 }, (_, classId) => ({
    classId,
    label: IMAGENET_CLASSES[classId] as string,
    probability: given[classId] ?? 0,
  }));
}

const byName = (labels: ReturnType<typeof detectLabels>) => new Map(labels.map((l) => [l.name, l]));

describe('detectLabels', () => {
  it('sums a dog split across three breeds into "Dog 90"', () => {
    // 207 golden retriever, 208 Labrador retriever, 249 malamute
    const labels = byName(detectLabels(probabilities({ 207: 0.4, 208: 0.3, 249: 0.2 })));
    expect(labels.get('Dog')?.confidence).to.be.closeTo(90, 1e-9);
    expect(labels.get('Retriever')?.confidence).to.be.closeTo(70, 0.1);
    expect(labels.get('Animal')?.confidence).to.be.closeTo(90, 1e-9);
    expect(labels.has('Golden Retriever')).to.equal(false); // 40 is below the default 55
  });

  it('gives a class its ancestors as parents, most specific first, and its category', () => {
    const labels = byName(detectLabels(probabilities({ 335: 0.95 })));
    const squirrel = labels.get('Fox Squirrel');
    expect(squirrel?.parents).to.deep.equal(['Rodent', 'Mammal', 'Animal']);
    expect(squirrel?.aliases).to.include('Eastern fox squirrel');
    expect(squirrel?.categories).to.deep.equal(['Animals and Pets']);
  });

  it('answers Food and Fruit for a fruit, Vehicle for a motorbike', () => {
    const fruit = byName(detectLabels(probabilities({ 950: 0.9 }))); // orange
    expect(fruit.has('Food') && fruit.has('Fruit')).to.equal(true);
    expect(fruit.get('Orange')?.categories).to.deep.equal(['Food and Beverage']);
    const moped = byName(detectLabels(probabilities({ 665: 0.6, 670: 0.3 }))); // moped, motor scooter
    expect(moped.get('Vehicle')?.confidence).to.be.greaterThan(89);
  });

  it('ranks by confidence and applies MinConfidence and MaxLabels to the merged list', () => {
    const all = detectLabels(probabilities({ 207: 0.4, 208: 0.3, 249: 0.2 }), { minConfidence: 0 });
    expect(all.length).to.be.greaterThan(1000);
    for (let i = 1; i < all.length; i++) {
      expect((all[i - 1] as { confidence: number }).confidence).to.be.at.least(
        (all[i] as { confidence: number }).confidence,
      );
    }
    const top = detectLabels(probabilities({ 207: 0.4, 208: 0.3, 249: 0.2 }), {
      minConfidence: 30,
      maxLabels: 3,
    });
    expect(top).to.have.length(3);
    expect(top.map((l) => l.name)).to.deep.equal(all.slice(0, 3).map((l) => l.name));
  });

  it('filters by label (name or alias) and by category', () => {
    const given = probabilities({ 207: 0.5, 950: 0.45 });
    const only = detectLabels(given, { minConfidence: 10, includeLabels: ['dog', 'FRUIT'] });
    expect(only.map((l) => l.name).sort()).to.deep.equal(['Dog', 'Fruit']);
    const noAnimals = detectLabels(given, { minConfidence: 10, excludeCategories: ['Animals and Pets'] });
    expect(noAnimals.map((l) => l.name))
      .to.include('Food')
      .and.not.include('Dog');
    const onlyFood = detectLabels(given, { minConfidence: 10, includeCategories: ['Food and Beverage'] });
    expect(onlyFood.every((l) => l.categories.includes('Food and Beverage'))).to.equal(true);
    const noDog = detectLabels(given, { minConfidence: 10, excludeLabels: ['Domestic Dog'] });
    expect(noDog.map((l) => l.name)).to.not.include('Dog');
  });

  it("gives a custom model's classes no parents", () => {
    const labels = detectLabels(
      [
        { classId: 0, label: 'ripe', probability: 0.8 },
        { classId: 1, label: 'unripe', probability: 0.2 },
      ],
      { minConfidence: 0 },
    );
    expect(labels).to.deep.equal([
      { name: 'ripe', confidence: 80, parents: [], aliases: [], categories: [] },
      { name: 'unripe', confidence: 20, parents: [], aliases: [], categories: [] },
    ]);
  });

  it('knows a class whose label is spelled differently (the TFLite models\' "jellyfish", "jelly fish" here)', () => {
    const labels = byName(detectLabels([{ classId: 107, label: 'jellyfish', probability: 1 }]));
    expect(labelHierarchy().classLabels[107]).to.equal('Jelly Fish');
    expect(labels.get('Jelly Fish')?.parents).to.include('Animal');
  });
});
