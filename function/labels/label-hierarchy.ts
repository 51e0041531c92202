// Static imports, so the Lambda bundle carries the tables instead of reading files at run time.
import curated from './curated-labels.json';
import wordnet from './imagenet-wordnet.json';

/** WordNet's root noun: every hypernym chain ends here. */
export const WORDNET_ENTITY = 'n00001740';

export interface HierarchyLabel {
  name: string;
  /** ImageNet class ids (0..999) this label holds: its own class, or every class below its synsets. */
  classIds: ReadonlySet<number>;
  /** Visible ancestors, most specific first. */
  parents: readonly string[];
  aliases: readonly string[];
  categories: readonly string[];
}

export interface LabelHierarchy {
  /** Per ImageNet class id: the name of its own label. */
  readonly classLabels: readonly string[];
  /** Per ImageNet class id: the names as the class list gives them ("tench, Tinca tinca"), to recognise a model's labels. */
  readonly classNames: readonly string[];
  readonly labels: ReadonlyMap<string, HierarchyLabel>;
}

type Synsets = Record<string, { words: string[]; hypernyms: string[] }>;

const titleCase = (name: string): string =>
  name.replace(/(^|[\s-])([a-z])/g, (_, a, b: string) => a + b.toUpperCase());
const capitalise = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

/** Distance in hypernym steps from `wnid` to each ancestor (itself at 0), shortest path through the DAG. */
function ancestorDistances(wnid: string, synsets: Synsets): Map<string, number> {
  const distance = new Map<string, number>([[wnid, 0]]);
  const queue = [wnid];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i] as string;
    for (const up of synsets[at]?.hypernyms ?? []) {
      if (distance.has(up)) continue;
      distance.set(up, (distance.get(at) as number) + 1);
      queue.push(up);
    }
  }
  return distance;
}

/**
 * Builds the label tree from the generated WordNet data and the curated layer: each ImageNet class is a
 * label; each curated label holds the classes below its synsets; every other WordNet node is hidden. A
 * class's parents are the curated labels above it, nearest first; its categories are those of the nearest
 * curated labels that have some.
 */
export function buildLabelHierarchy(): LabelHierarchy {
  const synsets = wordnet.synsets as Synsets;
  const classes = wordnet.classes;
  type Building = {
    classIds: Set<number>;
    parents: Map<string, number>;
    aliases: string[];
    categories: string[];
  };
  const labels = new Map<string, Building>();
  const labelOf = (name: string): Building => {
    let label = labels.get(name);
    if (!label) {
      label = { classIds: new Set(), parents: new Map(), aliases: [], categories: [] };
      labels.set(name, label);
    }
    return label;
  };

  // A class's name is its first name; two classes with one name ("crane" the bird and the machine) each
  // take their first hypernym's name after it.
  const firstNames = classes.map((c) => titleCase(c.names.split(',')[0]?.trim() ?? ''));
  const classLabels = classes.map((c, i) => {
    const name = firstNames[i] as string;
    if (firstNames.indexOf(name) === firstNames.lastIndexOf(name)) return name;
    const up = synsets[c.wnid]?.hypernyms[0];
    return `${name} (${titleCase(synsets[up ?? '']?.words[0] ?? 'other')})`;
  });

  const curatedByWnid = new Map<string, string[]>();
  for (const entry of curated.labels) {
    for (const wnid of entry.wnids) curatedByWnid.set(wnid, [...(curatedByWnid.get(wnid) ?? []), entry.name]);
    const label = labelOf(entry.name);
    label.aliases.push(...entry.aliases);
    label.categories.push(...entry.categories);
  }

  // A curated label's parents are the curated labels above every one of its synsets (Pet, over dogs and
  // house cats, is an Animal, not a Canine).
  for (const entry of curated.labels) {
    const distances = entry.wnids.map((wnid) => ancestorDistances(wnid, synsets));
    const label = labelOf(entry.name);
    for (const [wnid, distance] of distances[0] ?? []) {
      if (!distances.every((d) => d.has(wnid))) continue;
      for (const name of curatedByWnid.get(wnid) ?? []) {
        if (name !== entry.name) setNearest(label.parents, name, distance);
      }
    }
  }

  classes.forEach((c, classId) => {
    const own = labelOf(classLabels[classId] as string);
    own.classIds.add(classId);
    for (const alias of c.names.split(',').slice(1)) {
      const name = capitalise(alias.trim());
      if (name && !own.aliases.includes(name)) own.aliases.push(name);
    }
    // Every curated label above the class holds it and is one of its parents.
    for (const [wnid, distance] of ancestorDistances(c.wnid, synsets)) {
      for (const name of curatedByWnid.get(wnid) ?? []) {
        labelOf(name).classIds.add(classId);
        if (name !== classLabels[classId]) setNearest(own.parents, name, distance);
      }
    }
  });

  // Categories: a label's own, else those of its nearest parents that have some.
  const built = new Map<string, HierarchyLabel>();
  for (const [name, label] of labels) {
    if (label.classIds.size === 0) continue;
    // Most specific first: a parent holding fewer classes is nearer ("Dog" before "Mammal" before "Animal").
    const size = (p: string) => labels.get(p)?.classIds.size ?? 0;
    const parents = [...label.parents.keys()].sort((a, b) => size(a) - size(b) || a.localeCompare(b));
    let categories = label.categories;
    if (categories.length === 0) {
      const nearest = parents.find((p) => (labels.get(p)?.categories.length ?? 0) > 0);
      categories = nearest ? (labels.get(nearest) as Building).categories : [];
    }
    built.set(name, { name, classIds: label.classIds, parents, aliases: label.aliases, categories });
  }
  return { classLabels, classNames: classes.map((c) => c.names), labels: built };
}

function setNearest(map: Map<string, number>, name: string, distance: number): void {
  const known = map.get(name);
  if (known === undefined || distance < known) map.set(name, distance);
}
