/**
 * The module tree (what vis_cam's `--preview-model` prints) as a picker of target layers (vis_cam's
 * `--target-layers a b …`): a click picks one layer, Ctrl/⌘-click (or the "several layers" mode) adds or removes
 * one; names may be typed (several at once, index forms such as `layers[-1].ln1`); norm layers are marked.
 */
import { useMemo, useState } from 'react';
import type { ModuleRow } from '../../../visualization/cam/target_layers';
import { parseTypedLayers, pickLayer, removeLayer, resolveInTree, uniqueLayerNames } from './layerSelection';

export interface LayerPickerProps {
  tree: ModuleRow[];
  /** The chosen layers as given (tree names or typed forms); empty: vis_cam's default layer. */
  value: string[];
  defaultLayer: string | null;
  onChange: (layers: string[]) => void;
}

export function LayerPicker({ tree, value, defaultLayer, onChange }: LayerPickerProps) {
  const [filter, setFilter] = useState('');
  const [typed, setTyped] = useState('');
  const [several, setSeveral] = useState(false);
  const names = useMemo(() => tree.map((r) => r.name), [tree]);
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? tree.filter((r) => r.name.toLowerCase().includes(f) || r.type.toLowerCase().includes(f)) : tree;
  }, [tree, filter]);
  // The layers in effect, by their tree names (typed index forms resolved; unknown names shown as typed).
  const current = value.length ? uniqueLayerNames(value.map((v) => resolveInTree(v, names) ?? v)) : defaultLayer ? [defaultLayer] : [];
  const chosen = new Set(current);
  const typedLayers = parseTypedLayers(typed);
  return (
    <div className="cam-layers">
      <div className="row">
        <span>
          Target layer{current.length > 1 ? 's' : ''} <strong data-testid="cam-layer">{current.length ? current.join(', ') : '(none)'}</strong>
          {!value.length && defaultLayer ? <span className="muted"> (default)</span> : null}
        </span>
        <button type="button" className="secondary" disabled={!value.length} onClick={() => onChange([])}>
          Use default
        </button>
      </div>
      {value.length > 1 ? (
        <ul className="cam-chips" aria-label="chosen target layers">
          {current.map((n) => (
            <li key={n}>
              <code>{n}</code>
              <button type="button" className="secondary" aria-label={`remove layer ${n}`} onClick={() => onChange(removeLayer(current, n))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <label title="Clicks add or remove layers instead of replacing the choice (Ctrl/⌘-click does the same)">
        <input type="checkbox" checked={several} onChange={(e) => setSeveral(e.currentTarget.checked)} data-testid="cam-several-layers" /> several layers (one CAM row each)
      </label>
      <div className="row">
        <input placeholder="filter modules" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} aria-label="filter modules" />
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (typedLayers.length) onChange(typedLayers);
          }}
        >
          <input placeholder="backbone.layers[-1].ln1" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} aria-label="layer name" />
          <button type="submit" className="secondary" disabled={!typedLayers.length}>
            Set
          </button>
          <button type="button" className="secondary" disabled={!typedLayers.length} onClick={() => onChange(uniqueLayerNames([...current, ...typedLayers]))}>
            Add
          </button>
        </form>
      </div>
      <ul className="cam-tree" role="listbox" aria-label="module tree" aria-multiselectable="true">
        {rows.map((r) => (
          <li
            key={r.name}
            role="option"
            aria-selected={chosen.has(r.name)}
            className={chosen.has(r.name) ? 'selected' : ''}
            style={{ paddingLeft: `${r.depth * 0.9}rem` }}
            title={r.name}
            onClick={(e) => onChange(pickLayer(current, r.name, several || e.ctrlKey || e.metaKey))}
          >
            <code>{r.name.split('.').pop()}</code> <span className="muted">{r.type}</span>
            {r.isNorm ? <span className="cam-norm">norm</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
