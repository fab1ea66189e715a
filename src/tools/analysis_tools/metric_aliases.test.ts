import { describe, expect, it } from 'vitest';
import { canonicalKey, matchKey } from './metric_aliases';

describe('metric aliases across MMClassification 0.x and MMPretrain 1.x', () => {
  it('maps 0.x names to 1.x names', () => {
    expect(canonicalKey('accuracy_top-1')).toBe('accuracy/top1');
    expect(canonicalKey('f1_score')).toBe('single-label/f1-score');
    expect(canonicalKey('loss')).toBe('loss');
  });
  it('matchKey prefers the exact name, then the other era’s name', () => {
    expect(matchKey('accuracy/top1', ['accuracy_top-1', 'loss'])).toBe('accuracy_top-1');
    expect(matchKey('accuracy_top-5', ['accuracy/top5'])).toBe('accuracy/top5');
    expect(matchKey('accuracy/top1', ['accuracy/top1', 'accuracy_top-1'])).toBe('accuracy/top1');
    expect(matchKey('accuracy/top1', ['loss'])).toBeUndefined();
  });
});
