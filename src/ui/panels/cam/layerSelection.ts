/**
 * The CAM panel's list of target layers (vis_cam's `--target-layers a b …`): picking, adding, removing, and what
 * survives a model change. Pure functions; an empty list means vis_cam's default layer.
 */
import { layerPathSegments } from '../../../visualization/cam/target_layers';

/** `names` without repeats (first occurrence kept), blank names dropped. */
export function uniqueLayerNames(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const n = raw.trim();
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

/**
 * The list after a click on `name` in the module tree. Additive (Ctrl/⌘-click, or the picker's "several layers"
 * mode): `name` is toggled in the list (the last one cannot be removed this way: "Use default" clears the list);
 * otherwise `name` becomes the only layer.
 */
export function pickLayer(current: readonly string[], name: string, additive: boolean): string[] {
  const n = name.trim();
  if (!n) return [...current];
  if (!additive) return [n];
  if (!current.includes(n)) return uniqueLayerNames([...current, n]);
  return current.length > 1 ? current.filter((x) => x !== n) : [...current];
}

/** The list without `name`. */
export function removeLayer(current: readonly string[], name: string): string[] {
  return current.filter((x) => x !== name);
}

/**
 * Names typed in the layer box: several may be given at once, separated by spaces or commas
 * (`backbone.layer3 backbone.layer4[-1]`), as on vis_cam's command line.
 */
export function parseTypedLayers(text: string): string[] {
  return uniqueLayerNames(text.split(/[\s,]+/));
}

/**
 * The canonical dotted name of `name` in a module tree given by its dotted names (what the worker's
 * `resolveTargetLayer` answers, on the page): `[-1]` / `.-1` index forms count from the end of a module's numbered
 * children. Null when the tree has no such module or the name cannot be read.
 */
export function resolveInTree(name: string, treeNames: readonly string[]): string | null {
  let segs: string[];
  try {
    segs = layerPathSegments(name);
  } catch {
    return null;
  }
  const names = new Set(treeNames);
  let prefix = '';
  for (const seg of segs) {
    const child = prefix ? `${prefix}.${seg}` : seg;
    if (names.has(child)) {
      prefix = child;
      continue;
    }
    if (!/^-\d+$/.test(seg)) return null;
    const depth = prefix ? prefix.split('.').length : 0;
    const numbered = treeNames.filter((n) => n.startsWith(prefix ? `${prefix}.` : '') && n.split('.').length === depth + 1 && /^\d+$/.test(n.slice(prefix ? prefix.length + 1 : 0)));
    const i = numbered.length + Number(seg);
    if (i < 0 || i >= numbered.length) return null;
    prefix = numbered[i];
  }
  return prefix || null;
}

/** The layers kept when another model is loaded: those the new module tree has (any name form), canonical. */
export function layersForNewModel(current: readonly string[], treeNames: readonly string[]): string[] {
  return uniqueLayerNames(current.map((n) => resolveInTree(n, treeNames) ?? ''));
}
