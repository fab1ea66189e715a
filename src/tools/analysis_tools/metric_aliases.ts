/**
 * The same metric under its MMClassification 0.x and MMPretrain 1.x log names, so runs from both eras
 * can share a chart: 0.x `Accuracy(topk=(1, 5))` logged `accuracy_top-1`, 1.x logs `accuracy/top1`.
 */

/** 0.x log key → 1.x log key (single-label metrics with MMPretrain's default prefixes). */
export const MMCLS0X_TO_1X: Readonly<Record<string, string>> = {
  'accuracy_top-1': 'accuracy/top1',
  'accuracy_top-5': 'accuracy/top5',
  precision: 'single-label/precision',
  recall: 'single-label/recall',
  f1_score: 'single-label/f1-score',
  support: 'single-label/support',
  mAP: 'multi-label/mAP',
};

/** The 1.x name of a key (itself when it has no 0.x alias). */
export function canonicalKey(key: string): string {
  return MMCLS0X_TO_1X[key] ?? key;
}

/** The key of `candidates` that names the same metric as `key` (exact name first), or undefined. */
export function matchKey(key: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.includes(key)) return key;
  const want = canonicalKey(key);
  return list.find((k) => canonicalKey(k) === want);
}
