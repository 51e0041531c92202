import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';
import { expect } from 'chai';
import curated from '../../function/labels/curated-labels.json';
import wordnet from '../../function/labels/imagenet-wordnet.json';
import { labelHierarchy, WORDNET_ENTITY } from '../../function/labels/index';
import { generateLabelHierarchy } from '../../scripts/lib/label-hierarchy-generator';
import { PROJECT_ROOT } from '../../scripts/lib/project-root';

const synsets = wordnet.synsets as Record<string, { words: string[]; hypernyms: string[] }>;
const WORDNET_DIR = '/usr/share/wordnet';

/** Every path upwards from `wnid`, as lists of ids, each ending where the hypernyms end. */
function chainsOf(wnid: string): string[][] {
  const ups = synsets[wnid]?.hypernyms ?? [];
  if (ups.length === 0) return [[wnid]];
  return ups.flatMap((up) => chainsOf(up).map((chain) => [wnid, ...chain]));
}

describe('the generated ImageNet → WordNet data (function/labels/imagenet-wordnet.json)', () => {
  it('has the 1000 classes in order, with WordNet ids that increase with the class index', () => {
    expect(wordnet.classes).to.have.length(1000);
    wordnet.classes.forEach((c, i) => {
      expect(c.classId).to.equal(i);
      expect(c.wnid).to.match(/^n\d{8}$/);
      if (i > 0)
        expect(c.wnid > (wordnet.classes[i - 1] as { wnid: string }).wnid, `class ${i}`).to.equal(true);
    });
  });

  it('names the classes as the class list the project uses does', () => {
    expect(wordnet.classes.map((c) => c.names)).to.deep.equal(
      Array.from({ length: 1000 }, (_, i) => IMAGENET_CLASSES[i]),
    );
  });

  it('ends every hypernym chain of every class at entity, through synsets it carries', () => {
    for (const c of wordnet.classes) {
      for (const chain of chainsOf(c.wnid)) {
        expect(chain.at(-1), `${c.names}: ${chain.join(' > ')}`).to.equal(WORDNET_ENTITY);
        for (const wnid of chain) expect(synsets[wnid], wnid).to.not.equal(undefined);
      }
    }
  });

  it('says how each class matched, and the counts add up to 1000', () => {
    const total = Object.values(wordnet.matches).reduce((a, b) => a + b, 0);
    expect(total).to.equal(1000);
    expect(wordnet.generatedBy).to.equal('npx tsx scripts/generate-label-hierarchy.ts');
  });

  it('is what the generator makes from WordNet 3.0 today', async function () {
    if (!existsSync(path.join(WORDNET_DIR, 'data.noun'))) {
      console.log(`      skipped: WordNet 3.0 is absent (${WORDNET_DIR}; apt-get install wordnet-base)`);
      this.skip();
    }
    const pins = JSON.parse(
      readFileSync(path.join(PROJECT_ROOT, 'scripts', 'data', 'imagenet-synset-pins.json'), 'utf8'),
    ).pins;
    const classNames = Array.from({ length: 1000 }, (_, i) => IMAGENET_CLASSES[i] ?? '');
    const fresh = await generateLabelHierarchy(classNames, WORDNET_DIR, pins);
    expect(JSON.parse(JSON.stringify(fresh))).to.deep.equal(wordnet);
  });
});

describe('the curated labels (function/labels/curated-labels.json)', () => {
  it('maps every label to synsets the generated data carries', () => {
    for (const label of curated.labels) {
      for (const wnid of label.wnids) expect(synsets[wnid], `${label.name}: ${wnid}`).to.not.equal(undefined);
    }
  });

  it('covers the general labels people search for', () => {
    const names = curated.labels.map((l) => l.name);
    for (const name of [
      'Animal',
      'Mammal',
      'Dog',
      'Cat',
      'Bird',
      'Fish',
      'Insect',
      'Reptile',
      'Primate',
      'Vehicle',
      'Car',
      'Boat',
      'Aircraft',
      'Food',
      'Fruit',
      'Vegetable',
      'Drink',
      'Furniture',
      'Clothing',
      'Tool',
      'Musical Instrument',
      'Building',
      'Plant',
      'Flower',
    ]) {
      expect(names).to.include(name);
    }
  });

  it('never shows an awkward WordNet node as a label or a parent', () => {
    const hierarchy = labelHierarchy();
    const shown = new Set<string>();
    for (const label of hierarchy.labels.values())
      for (const n of [label.name, ...label.parents]) shown.add(n.toLowerCase());
    for (const hidden of [
      'placental',
      'chordate',
      'vertebrate',
      'artifact',
      'whole',
      'object',
      'entity',
      'organism',
      'instrumentality',
    ]) {
      expect(shown.has(hidden), hidden).to.equal(false);
    }
  });

  it('gives every ImageNet class a label of its own with a unique name', () => {
    const { classLabels } = labelHierarchy();
    expect(new Set(classLabels).size).to.equal(1000);
  });
});
