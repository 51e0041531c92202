import { expect } from 'chai';
import {
  ancestorClosure,
  HierarchyError,
  matchClasses,
  parseDataNoun,
  type WordNetSynset,
} from '../../scripts/lib/label-hierarchy-generator';

// A miniature data.noun: offset lex_filenum ss_type w_cnt (word lex_id)… p_cnt (ptr offset pos st)… | gloss
const DATA_NOUN = [
  '  1 This software and database is being provided ...',
  '00001740 03 n 01 entity 0 000 | that which exists',
  '01000001 05 n 01 animal 0 001 @ 00001740 n 0000 | a living thing',
  '01000002 05 n 02 crane 0 wading_bird 0 001 @ 01000001 n 0000 | a bird',
  '01000003 05 n 01 tinamou 0 001 @ 01000001 n 0000 | not a crane',
  '03000001 06 n 01 device 0 001 @ 00001740 n 0000 | a thing',
  '03000002 06 n 01 crane 0 001 @ 03000001 n 0000 | a machine',
  '03000003 06 n 01 abacus 0 001 @ 03000001 n 0000 | a calculator',
  '03000004 06 n 01 abacus 0 001 @ 03000001 n 0000 | a slab',
  '',
].join('\n');

describe('the label hierarchy generator', () => {
  let synsets: Map<string, WordNetSynset>;
  beforeEach(() => {
    synsets = parseDataNoun(DATA_NOUN);
  });

  it('reads synsets, their words and their hypernyms from data.noun', () => {
    expect(synsets.get('n01000002')).to.deep.equal({
      wnid: 'n01000002',
      words: ['crane', 'wading bird'],
      hypernyms: ['n01000001'],
    });
    expect([...ancestorClosure(['n03000002'], synsets)].sort()).to.deep.equal([
      'n00001740',
      'n03000001',
      'n03000002',
    ]);
  });

  it('lets the class order choose between synsets of one name', () => {
    const matches = matchClasses(['tinamou', 'crane', 'abacus'], synsets, { 2: 'n03000003' });
    // "crane" ties between the bird and the machine; only the machine comes after tinamou.
    expect(matches.map((m) => [m.wnid, m.disambiguated])).to.deep.equal([
      ['n01000003', undefined],
      ['n03000002', 'order'],
      ['n03000003', 'pin'],
    ]);
  });

  it('refuses a mapping whose ids do not increase with the class index', () => {
    expect(() => matchClasses(['device', 'tinamou'], synsets, {})).to.throw(HierarchyError, /not ImageNet's/);
  });

  it('refuses a tie that neither the order nor a pin decides, and a pin outside the tie', () => {
    expect(() => matchClasses(['abacus'], synsets, {})).to.throw(HierarchyError, /pin table names none/);
    expect(() => matchClasses(['abacus'], synsets, { 0: 'n01000001' })).to.throw(
      HierarchyError,
      /not one of them/,
    );
  });

  it('refuses a pin for a class its names already decide', () => {
    expect(() => matchClasses(['tinamou'], synsets, { 0: 'n01000003' })).to.throw(
      HierarchyError,
      /already decide/,
    );
  });

  it('refuses a class no synset names', () => {
    expect(() => matchClasses(['unicorn'], synsets, {})).to.throw(HierarchyError, /no WordNet noun/);
  });
});
