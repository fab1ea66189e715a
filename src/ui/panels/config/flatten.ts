/** Leaf paths of a config (`optim_wrapper.optimizer.lr`, `train_pipeline.1.prob`) for the tree's key filter. */
import { isDict } from '../../../config';
import { valueRepr } from '../../../config/pyrepr';

export interface ConfigLeaf {
  /** Dotted path as `--cfg-options` writes it (list indices as numbers). */
  path: string;
  /** Python repr of the value. */
  repr: string;
}

/** Every leaf (scalars, empty containers, short scalar lists) in definition order. */
export function configLeaves(cfg: object): ConfigLeaf[] {
  const out: ConfigLeaf[] = [];
  const visit = (value: unknown, container: object, key: string | number, path: string) => {
    const children: [string | number, unknown][] | null = isDict(value)
      ? Object.keys(value).map((k) => [k, value[k]])
      : Array.isArray(value) && value.some((v) => isDict(v) || Array.isArray(v))
        ? value.map((v, i) => [i, v])
        : null;
    if (!children || children.length === 0) {
      out.push({ path, repr: valueRepr(value, container, key) });
      return;
    }
    for (const [k, v] of children) visit(v, value as object, k, `${path}.${k}`);
  };
  for (const k of Object.keys(cfg)) visit((cfg as Record<string, unknown>)[k], cfg, k, k);
  return out;
}

/** Leaves whose path or value contains `query` (case-insensitive; every space-separated word must match). */
export function filterLeaves(leaves: readonly ConfigLeaf[], query: string): ConfigLeaf[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...leaves];
  return leaves.filter((l) => {
    const text = `${l.path} = ${l.repr}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/**
 * A `--cfg-options` line that sets a leaf to its current value, ready to edit: strings unquoted (as a shell passes
 * them), lists and tuples without spaces (`[30,60,90]`, `(1,)`), None/True/False by name.
 */
export function optionLineFor(leaf: ConfigLeaf): string {
  const simpleString = /^'([^'\\]*)'$/.exec(leaf.repr);
  const value = simpleString ? simpleString[1]! : leaf.repr.replace(/\s+/g, '');
  return `${leaf.path}=${value}`;
}
