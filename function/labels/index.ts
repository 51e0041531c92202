// The labels wing: ImageNet classes → general labels with parents, aliases and categories (WordNet 3.0
// plus a curated layer). Knows nothing of AWS; no side effects on import.
export {
  type ClassProbability,
  DEFAULT_MIN_CONFIDENCE,
  type DetectedLabel,
  detectLabels,
  filterLabels,
  isImageNetClass,
  type LabelOptions,
  labelHierarchy,
} from './detect-labels';
export { type HierarchyLabel, type LabelHierarchy, WORDNET_ENTITY } from './label-hierarchy';
