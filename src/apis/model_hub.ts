/**
 * MMPretrain's `ModelHub` on the bundled model index (`configs/model-index.json`, from the metafiles): every model
 * by name (case-insensitive, as MMPretrain keys them), and `list_models(pattern, exclude_patterns, task)`.
 */
import INDEX from '../../configs/model-index.json';
import { closestNames } from '../utils/closest';
import type { ModelInfo } from './model_index';
import { fnmatch } from './fnmatch';

export const MODEL_INDEX: readonly ModelInfo[] = INDEX as unknown as ModelInfo[];

const byName = new Map(MODEL_INDEX.map((m) => [m.name.toLowerCase(), m]));
/** Models added by {@link registerModels}, after the bundled ones. */
const registered: ModelInfo[] = [];

/**
 * MMPretrain `ModelHub.register_model_index`: adds the models of another index (a project's own metafile, a test's
 * checkpoint) to the bundled one; a name already there (case-insensitively) is an error, as in MMPretrain.
 */
export function registerModels(models: readonly ModelInfo[]): void {
  for (const m of models) if (byName.has(m.name.toLowerCase())) throw new Error(`The model name ${m.name} is conflict in ${m.metafile} and ${byName.get(m.name.toLowerCase())!.metafile}.`);
  for (const m of models) {
    byName.set(m.name.toLowerCase(), m);
    registered.push(m);
  }
}

/** Removes models added by {@link registerModels} (a test's, a closed project's); bundled models stay. */
export function unregisterModels(names: readonly string[]): void {
  for (const name of names) {
    const i = registered.findIndex((m) => m.name.toLowerCase() === name.toLowerCase());
    if (i < 0) continue;
    registered.splice(i, 1);
    byName.delete(name.toLowerCase());
  }
}

/** Is `name` a model of the index? */
export function hasModel(name: string): boolean {
  return byName.has(name.toLowerCase());
}

/** The index entry of `name`; an unknown name fails suggesting the closest ones. */
export function modelInfo(name: string): ModelInfo {
  const m = byName.get(name.toLowerCase());
  if (m) return m;
  const close = closestNames(name.toLowerCase(), [...byName.keys()], 5);
  throw new Error(`Failed to find model "${name}".${close.length ? ` Did you mean: ${close.join(', ')}?` : ''} Use listModels() (mmpretrain-web list-models) to get all available names.`);
}

/** Options of {@link listIndexedModels}. */
export interface ListIndexedOptions {
  /** Names matching any of these patterns (with any postfix) are left out. */
  exclude_patterns?: string[];
  /** Only models with a result of this task (`'Image Classification'`); `'null'`: models without results. */
  task?: string | null;
}

/**
 * MMPretrain `list_models(pattern, exclude_patterns, task)`: the sorted names (as the metafiles spell them) matching
 * `pattern` with any postfix (`'resnet18'` → `resnet18*`), case-insensitively.
 */
export function listIndexedModels(pattern: string | null = null, { exclude_patterns = [], task = null }: ListIndexedOptions = {}): string[] {
  return [...MODEL_INDEX, ...registered].filter(
    (m) =>
      (pattern === null || fnmatch(m.name, `${pattern}*`)) &&
      !exclude_patterns.some((p) => fnmatch(m.name, `${p}*`)) &&
      (task === null || (task === 'null' ? m.results.length === 0 : m.tasks.includes(task))),
  )
    .map((m) => m.name)
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
}
