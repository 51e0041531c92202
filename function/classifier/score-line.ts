import type { ClassificationResult } from './classifier';

/** The line the original system printed for the best class: `score=… classid=… human=…`. */
export function formatOriginalLine(result: Pick<ClassificationResult, 'predictions'>): string {
  const best = result.predictions[0];
  if (!best) return 'score=0 classid=-1 human=(none)';
  return `score=${best.probability.toFixed(6)} classid=${best.classId} human=${best.label}`;
}
