/** Key filtering by regular expression, as TensorBoard's tag filter (case-insensitive). */

export interface KeyFilterResult {
  keys: string[];
  /** Why the pattern could not be used (all keys are kept then); null when it was fine. */
  error: string | null;
}

/** Keys matching `pattern` anywhere (empty pattern: all). An invalid pattern never throws. */
export function filterKeys(keys: readonly string[], pattern: string): KeyFilterResult {
  if (pattern.trim() === '') return { keys: [...keys], error: null };
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'i');
  } catch (e) {
    return { keys: [...keys], error: `invalid regular expression "${pattern}": ${e instanceof Error ? e.message : String(e)}` };
  }
  return { keys: keys.filter((k) => re.test(k)), error: null };
}
