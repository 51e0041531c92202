import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, LambdaVisionError } from '../../function/classifier/index';

/**
 * Derives, from WordNet 3.0's noun database, the synset (WordNet id) of each ImageNet class and every
 * hypernym above it. ImageNet's 1000 classes are WordNet noun synsets, numbered in the sorted order of
 * their ids (nXXXXXXXX, the synset's byte offset in data.noun), so a correct mapping has ids that increase
 * with the class index: that is the proof the generator checks before writing anything.
 */

/** WordNet's root noun: every chain ends here. */
export const ENTITY = 'n00001740';

export interface WordNetSynset {
  wnid: string;
  words: string[];
  /** Hypernyms and instance hypernyms (`@`, `@i`), in the order WordNet lists them. */
  hypernyms: string[];
}

export const MatchKind = {
  /** The class's names are exactly the synset's words. */
  EXACT: 'exact',
  /** Every name of the class is a word of the synset, which has more. */
  ALL_NAMES: 'all-names',
  /** The class's first name is a word of the synset, some other names are not. */
  FIRST_NAME: 'first-name',
  /** Only a later name of the class is a word of the synset. */
  OTHER_NAME: 'other-name',
} as const;
export type MatchKind = (typeof MatchKind)[keyof typeof MatchKind];

export interface ClassMatch {
  classId: number;
  wnid: string;
  kind: MatchKind;
  /**
   * More than one synset matched equally well: `order` when ImageNet's order left only this one, `pin` when
   * several still fitted and the pin table chose among them.
   */
  disambiguated?: 'order' | 'pin';
}

export interface LabelHierarchyData {
  generatedBy: string;
  source: string;
  /** Per ImageNet class id 0..999: the class's synset and its names as the class list gives them. */
  classes: {
    classId: number;
    wnid: string;
    names: string;
    match: MatchKind;
    disambiguated?: 'order' | 'pin';
  }[];
  /** Every synset on a class's hypernym paths, with its words and hypernyms. */
  synsets: Record<string, { words: string[]; hypernyms: string[] }>;
  matches: Record<string, number>;
}

/** The generator cannot prove its mapping from WordNet: nothing is written. */
export class HierarchyError extends LambdaVisionError {
  constructor(message: string) {
    super(ErrorCode.GENERATED_DATA_UNPROVEN, message);
    this.name = 'HierarchyError';
  }
}

/** Comparison key: case, spaces, hyphens and apostrophes differ between class lists and WordNet. */
export const nameKey = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Parses data.noun: `offset lex_filenum ss_type w_cnt (word lex_id)… p_cnt (ptr offset pos st)… | gloss`. */
export function parseDataNoun(text: string): Map<string, WordNetSynset> {
  const synsets = new Map<string, WordNetSynset>();
  for (const line of text.split('\n')) {
    // The license header's lines start with spaces.
    if (line.length === 0 || line.startsWith(' ')) continue;
    const fields = line.slice(0, line.indexOf(' | ') >= 0 ? line.indexOf(' | ') : undefined).split(' ');
    const offset = fields[0] as string;
    const wordCount = Number.parseInt(fields[3] as string, 16);
    const words: string[] = [];
    let at = 4;
    for (let i = 0; i < wordCount; i++, at += 2) words.push((fields[at] as string).replace(/_/g, ' '));
    const pointerCount = Number.parseInt(fields[at] as string, 10);
    at += 1;
    const hypernyms: string[] = [];
    for (let i = 0; i < pointerCount; i++, at += 4) {
      const symbol = fields[at];
      if ((symbol === '@' || symbol === '@i') && fields[at + 2] === 'n') hypernyms.push(`n${fields[at + 1]}`);
    }
    if (!Number.isInteger(wordCount) || !Number.isInteger(pointerCount) || !/^\d{8}$/.test(offset)) {
      throw new HierarchyError(`data.noun: cannot parse the line starting "${line.slice(0, 40)}"`);
    }
    synsets.set(`n${offset}`, { wnid: `n${offset}`, words, hypernyms });
  }
  return synsets;
}

function matchKind(names: string[], words: string[]): { kind: MatchKind; score: number } | undefined {
  const wordKeys = new Set(words.map(nameKey));
  const found = names.map((n) => wordKeys.has(nameKey(n)));
  const matched = found.filter(Boolean).length;
  if (matched === 0) return undefined;
  // More names in common first; then a synset headed by the class's first name ("partridge" the bird
  // before "tinamou, partridge").
  const score = matched * 2 + (nameKey(words[0] ?? '') === nameKey(names[0] ?? '') ? 1 : 0);
  if (matched === names.length)
    return { kind: wordKeys.size === names.length ? MatchKind.EXACT : MatchKind.ALL_NAMES, score };
  return { kind: found[0] ? MatchKind.FIRST_NAME : MatchKind.OTHER_NAME, score };
}

/**
 * Maps class names ("tench, Tinca tinca") to synsets. Each class takes the synsets sharing the most names
 * with it (headed by its first name, on a tie); where several tie (a "crane" bird and a "crane" machine), the
 * one between its neighbours' ids is taken. Where several still fit (two WordNet senses of "abacus", both
 * artifacts), the names alone cannot tell: `pins` (class id → wnid) chooses, and only among those that fit.
 * Then the ids must increase strictly with the class index, else the mapping is wrong: throws.
 */
export function matchClasses(
  classNames: readonly string[],
  synsets: Map<string, WordNetSynset>,
  pins: Readonly<Record<string, string>>,
): ClassMatch[] {
  const byWord = new Map<string, string[]>();
  for (const synset of synsets.values()) {
    for (const word of new Set(synset.words.map(nameKey))) {
      const list = byWord.get(word) ?? [];
      list.push(synset.wnid);
      byWord.set(word, list);
    }
  }
  const candidates = classNames.map((label, classId) => {
    const names = label.split(',').map((n) => n.trim());
    const wnids = new Set(names.flatMap((n) => byWord.get(nameKey(n)) ?? []));
    let best: { wnid: string; kind: MatchKind; score: number }[] = [];
    for (const wnid of wnids) {
      const m = matchKind(names, (synsets.get(wnid) as WordNetSynset).words);
      if (!m) continue;
      if (best.length === 0 || m.score > (best[0] as { score: number }).score) best = [{ wnid, ...m }];
      else if (m.score === (best[0] as { score: number }).score) best.push({ wnid, ...m });
    }
    if (best.length === 0)
      throw new HierarchyError(`class ${classId} "${label}": no WordNet noun has any of its names`);
    return best.sort((a, b) => a.wnid.localeCompare(b.wnid));
  });

  const chosen: (ClassMatch | undefined)[] = candidates.map((list, classId) => {
    const only = list.length === 1 ? list[0] : undefined;
    return only ? { classId, wnid: only.wnid, kind: only.kind } : undefined;
  });
  for (let classId = 0; classId < candidates.length; classId++) {
    if (chosen[classId]) continue;
    const previous = chosen.slice(0, classId).findLast((c) => c)?.wnid ?? '';
    const next = chosen.slice(classId + 1).find((c) => c)?.wnid ?? 'o';
    const fits = (candidates[classId] ?? []).filter((c) => c.wnid > previous && c.wnid < next);
    const pin = pins[String(classId)];
    const fit = fits.length === 1 ? fits[0] : fits.find((c) => c.wnid === pin);
    if (!fit) {
      throw new HierarchyError(
        `class ${classId} "${classNames[classId]}": ${fits.length} of its equally good synsets ` +
          `(${candidates[classId]?.map((c) => c.wnid).join(', ')}) lie between its neighbours ${previous} and ${next}` +
          (fits.length > 1
            ? `, and the pin table ${pin ? `names ${pin}, not one of them` : 'names none'}`
            : ''),
      );
    }
    chosen[classId] = {
      classId,
      wnid: fit.wnid,
      kind: fit.kind,
      disambiguated: fits.length === 1 ? 'order' : 'pin',
    };
  }
  const matches = chosen as ClassMatch[];
  const unused = Object.keys(pins).filter((id) => matches[Number(id)]?.disambiguated !== 'pin');
  if (unused.length > 0) {
    throw new HierarchyError(`the pin table names classes whose names already decide: ${unused.join(', ')}`);
  }
  for (let i = 1; i < matches.length; i++) {
    const [a, b] = [matches[i - 1] as ClassMatch, matches[i] as ClassMatch];
    if (!(a.wnid < b.wnid)) {
      throw new HierarchyError(
        `the mapping is not ImageNet's: class ${i - 1} "${classNames[i - 1]}" got ${a.wnid} but class ${i} "${classNames[i]}" got ${b.wnid}, which does not come after it`,
      );
    }
  }
  return matches;
}

/** Every synset reachable upwards from the given ones (themselves included). */
export function ancestorClosure(start: Iterable<string>, synsets: Map<string, WordNetSynset>): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const wnid = stack.pop() as string;
    if (seen.has(wnid)) continue;
    const synset = synsets.get(wnid);
    if (!synset) throw new HierarchyError(`hypernym ${wnid} is not in data.noun`);
    seen.add(wnid);
    stack.push(...synset.hypernyms);
  }
  return seen;
}

export const GENERATOR_COMMAND = 'npx tsx scripts/generate-label-hierarchy.ts';

async function readWordNet(file: string): Promise<string> {
  try {
    return await readFile(file, 'latin1');
  } catch (cause) {
    throw new HierarchyError(
      `cannot read ${file} (install WordNet 3.0, e.g. apt-get install wordnet-base): ${String(cause)}`,
    );
  }
}

/** Reads WordNet from `wordnetDir` (Debian's wordnet-base: /usr/share/wordnet) and builds the data file. */
export async function generateLabelHierarchy(
  classNames: readonly string[],
  wordnetDir: string,
  pins: Readonly<Record<string, string>>,
): Promise<LabelHierarchyData> {
  if (classNames.length !== 1000) {
    throw new HierarchyError(`expected the 1000 ImageNet class names, got ${classNames.length}`);
  }
  const text = await readWordNet(path.join(wordnetDir, 'data.noun'));
  const synsets = parseDataNoun(text);
  const matches = matchClasses(classNames, synsets, pins);
  const closure = [
    ...ancestorClosure(
      matches.map((m) => m.wnid),
      synsets,
    ),
  ].sort();
  const counts: Record<string, number> = {};
  for (const m of matches) {
    const key = m.disambiguated ? `${m.kind}, disambiguated by ${m.disambiguated}` : m.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return {
    generatedBy: GENERATOR_COMMAND,
    source:
      'WordNet 3.0 data.noun (Princeton University; WordNet license) and the 1000 ImageNet class names of @tensorflow-models/mobilenet',
    classes: matches.map((m) => ({
      classId: m.classId,
      wnid: m.wnid,
      names: classNames[m.classId] as string,
      match: m.kind,
      ...(m.disambiguated ? { disambiguated: m.disambiguated } : {}),
    })),
    synsets: Object.fromEntries(
      closure.map((wnid) => {
        const s = synsets.get(wnid) as WordNetSynset;
        return [wnid, { words: s.words, hypernyms: s.hypernyms }];
      }),
    ),
    matches: counts,
  };
}
