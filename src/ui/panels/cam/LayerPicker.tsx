/** The module tree (what vis_cam's `--preview-model` prints) as a picker; norm layers marked, any name typed. */
import { useMemo, useState } from 'react';
import type { ModuleRow } from '../../../visualization/cam/target_layers';

export function LayerPicker({ tree, value, defaultLayer, onChange }: { tree: ModuleRow[]; value: string | null; defaultLayer: string | null; onChange: (layer: string | null) => void }) {
  const [filter, setFilter] = useState('');
  const [typed, setTyped] = useState('');
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? tree.filter((r) => r.name.toLowerCase().includes(f) || r.type.toLowerCase().includes(f)) : tree;
  }, [tree, filter]);
  const current = value ?? defaultLayer;
  return (
    <div className="cam-layers">
      <div className="row">
        <label>
          Target layer <strong data-testid="cam-layer">{current ?? '(none)'}</strong>
          {value === null && defaultLayer ? <span className="muted"> (default)</span> : null}
        </label>
        <button type="button" className="secondary" disabled={value === null} onClick={() => onChange(null)}>
          Use default
        </button>
      </div>
      <div className="row">
        <input placeholder="filter modules" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} aria-label="filter modules" />
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) onChange(typed.trim());
          }}
        >
          <input placeholder="backbone.layers[-1].ln1" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} aria-label="layer name" />
          <button type="submit" className="secondary">
            Set
          </button>
        </form>
      </div>
      <ul className="cam-tree" role="listbox" aria-label="module tree">
        {rows.map((r) => (
          <li key={r.name} role="option" aria-selected={r.name === current} className={r.name === current ? 'selected' : ''} style={{ paddingLeft: `${r.depth * 0.9}rem` }} onClick={() => onChange(r.name)}>
            <code>{r.name.split('.').pop()}</code> <span className="muted">{r.type}</span>
            {r.isNorm ? <span className="cam-norm">norm</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
