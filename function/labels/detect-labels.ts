import { buildLabelHierarchy, type LabelHierarchy } from './label-hierarchy';

/** One class's probability, as the classifier ranks them (only `classId`, `label` and `probability` are read). */
export interface ClassProbability {
  classId: number;
  label: string;
  probability: number;
}

export interface DetectedLabel {
  name: string;
  /** 0..100: the sum of the probabilities of every class the label holds. */
  confidence: number;
  parents: string[];
  aliases: string[];
  categories: string[];
}

export interface LabelOptions {
  /** Most labels to return, after filtering (default: all). */
  maxLabels?: number;
  /** 0..100; labels below it are dropped (default 55, as Rekognition). */
  minConfidence?: number;
  /** Only these labels (names or aliases, any case), when given. */
  includeLabels?: readonly string[];
  excludeLabels?: readonly string[];
  /** Only labels in these categories, when given. */
  includeCategories?: readonly string[];
  excludeCategories?: readonly string[];
}

export const DEFAULT_MIN_CONFIDENCE = 55;

let shared: LabelHierarchy | undefined;
/** The hierarchy, built once on first use (a few milliseconds). */
export function labelHierarchy(): LabelHierarchy {
  shared ??= buildLabelHierarchy();
  return shared;
}

// Class lists differ in spacing and case ("jellyfish" / "jelly fish"): compare letters and digits only.
const key = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * True when the prediction is the ImageNet class the hierarchy knows under that id (same names). A custom
 * model's classes are not, so they get no parents.
 */
export function isImageNetClass(prediction: ClassProbability, hierarchy = labelHierarchy()): boolean {
  const names = hierarchy.classNames[prediction.classId];
  return names !== undefined && key(names) === key(prediction.label);
}

/**
 * Merges class probabilities into labels with parents: each ImageNet class is a label, and each general
 * label ("Dog", "Animal") is as confident as the sum of the classes below it, so a dog split 40/30/20
 * across three breeds is "Dog 90". Give it every class's probability (topK = all classes), or the
 * parents are underestimated. Classes the hierarchy does not know (custom models) are labels of their own
 * without parents. Ranked by confidence, then filtered, then cut to `maxLabels`.
 */
export function detectLabels(
  predictions: readonly ClassProbability[],
  options: LabelOptions = {},
): DetectedLabel[] {
  const hierarchy = labelHierarchy();
  const confidence = new Map<string, number>();
  const custom = new Map<string, DetectedLabel>();
  const probabilityOf = new Map<number, number>();
  for (const p of predictions) {
    if (isImageNetClass(p, hierarchy)) {
      probabilityOf.set(p.classId, p.probability);
    } else {
      const known = custom.get(p.label);
      custom.set(p.label, {
        name: p.label,
        confidence: (known?.confidence ?? 0) + p.probability * 100,
        parents: [],
        aliases: [],
        categories: [],
      });
    }
  }
  // Each label sums its own classes once, however many paths lead to them.
  for (const classId of probabilityOf.keys()) {
    const own = hierarchy.labels.get(hierarchy.classLabels[classId] as string);
    if (!own) continue;
    for (const name of [own.name, ...own.parents]) {
      if (confidence.has(name)) continue;
      const label = hierarchy.labels.get(name);
      let sum = 0;
      for (const id of label?.classIds ?? []) sum += probabilityOf.get(id) ?? 0;
      confidence.set(name, sum * 100);
    }
  }
  const all: DetectedLabel[] = [...custom.values()];
  for (const [name, value] of confidence) {
    const label = hierarchy.labels.get(name);
    if (!label) continue;
    all.push({
      name,
      confidence: Math.min(100, value),
      parents: [...label.parents],
      aliases: [...label.aliases],
      categories: [...label.categories],
    });
  }
  return filterLabels(all, options);
}

const anyOf = (wanted: readonly string[] | undefined) => {
  if (!wanted || wanted.length === 0) return undefined;
  const keys = new Set(wanted.map(key));
  return (names: readonly string[]) => names.some((n) => keys.has(key(n)));
};

/** Ranks by confidence (then name), applies the filters and the confidence floor, then `maxLabels`. */
export function filterLabels(labels: readonly DetectedLabel[], options: LabelOptions): DetectedLabel[] {
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const include = anyOf(options.includeLabels);
  const exclude = anyOf(options.excludeLabels);
  const includeCategory = anyOf(options.includeCategories);
  const excludeCategory = anyOf(options.excludeCategories);
  const kept = labels
    .filter((l) => l.confidence >= minConfidence)
    .filter((l) => !include || include([l.name, ...l.aliases]))
    .filter((l) => !exclude?.([l.name, ...l.aliases]))
    .filter((l) => !includeCategory || includeCategory(l.categories))
    .filter((l) => !excludeCategory?.(l.categories))
    .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name));
  return options.maxLabels === undefined ? kept : kept.slice(0, options.maxLabels);
}
