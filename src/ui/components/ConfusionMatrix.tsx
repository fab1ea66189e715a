/**
 * A confusion-matrix heat map (rows: ground truth, columns: prediction), as MMPretrain's
 * `ConfusionMatrix.plot`: counts or row-normalised values, class names on both axes, a cell per pair that can be
 * clicked (the Dataset panel lists that cell's samples; the Train panel shows the validation matrix).
 */
import { useMemo, useState } from 'react';
import { normalizeRows } from '../../tools/analysis_tools/analyze_results';

export interface ConfusionMatrixProps {
  /** counts[truth][prediction] */
  counts: number[][];
  /** Class names (indices are shown when absent). */
  classes?: readonly string[] | null;
  /** Start with row-normalised values. Default: false. */
  defaultNormalized?: boolean;
  /** Called with (truth, prediction) when a cell is clicked. */
  onCellClick?: (truth: number, prediction: number) => void;
  /** The highlighted cell. */
  selected?: readonly [number, number] | null;
  /** Caption above the matrix. */
  title?: string;
}

/** White → MMPretrain's `viridis`-like dark blue, by value in [0, 1]. */
function cellColor(v: number): string {
  const t = Math.max(0, Math.min(1, v));
  const r = Math.round(247 - t * (247 - 8));
  const g = Math.round(251 - t * (251 - 48));
  const b = Math.round(255 - t * (255 - 107));
  return `rgb(${r}, ${g}, ${b})`;
}

function shortName(name: string): string {
  return name.length > 14 ? `${name.slice(0, 13)}…` : name;
}

export function ConfusionMatrix({ counts, classes, defaultNormalized = false, onCellClick, selected, title }: ConfusionMatrixProps) {
  const [normalized, setNormalized] = useState(defaultNormalized);
  const n = counts.length;
  const norm = useMemo(() => normalizeRows(counts), [counts]);
  const maxCount = useMemo(() => Math.max(1, ...counts.flat()), [counts]);
  const names = Array.from({ length: n }, (_, i) => (classes?.[i] !== undefined ? String(classes[i]) : String(i)));
  const cellPx = n > 30 ? 14 : n > 15 ? 22 : 40;
  const showText = n <= 20;
  return (
    <figure className="confusion" data-testid="confusion-matrix" style={{ margin: 0 }}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        {title && <figcaption style={{ fontWeight: 600 }}>{title}</figcaption>}
        <label className="row" style={{ gap: '0.3rem', fontSize: '0.85rem' }}>
          <input type="checkbox" checked={normalized} data-testid="confusion-normalized" onChange={(e) => setNormalized(e.target.checked)} />
          normalised by row (recall)
        </label>
      </div>
      <div style={{ overflow: 'auto', maxWidth: '100%' }}>
        <table style={{ borderCollapse: 'collapse', fontSize: '0.72rem', fontVariantNumeric: 'tabular-nums' }} aria-label="confusion matrix">
          <thead>
            <tr>
              <th style={{ textAlign: 'right', padding: '0 0.4rem', fontWeight: 400 }} className="muted">
                truth ↓ pred →
              </th>
              {names.map((name, j) => (
                <th key={j} title={name} style={{ writingMode: 'vertical-rl', transform: 'rotate(180deg)', fontWeight: 500, padding: '0.2rem 0', width: cellPx }}>
                  {shortName(name)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {counts.map((row, t) => (
              <tr key={t}>
                <th title={names[t]} style={{ textAlign: 'right', padding: '0 0.4rem', fontWeight: 500, whiteSpace: 'nowrap' }}>
                  {shortName(names[t])}
                </th>
                {row.map((c, p) => {
                  const v = normalized ? norm[t][p] : c / maxCount;
                  const isSel = selected && selected[0] === t && selected[1] === p;
                  const label = normalized ? norm[t][p].toFixed(2) : String(c);
                  return (
                    <td
                      key={p}
                      data-testid={`confusion-cell-${t}-${p}`}
                      title={`truth ${names[t]}, predicted ${names[p]}: ${c} sample(s)${normalized ? ` (${(100 * norm[t][p]).toFixed(1)} % of the row)` : ''}`}
                      onClick={() => onCellClick?.(t, p)}
                      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onCellClick?.(t, p))}
                      tabIndex={onCellClick ? 0 : undefined}
                      role={onCellClick ? 'button' : undefined}
                      aria-pressed={onCellClick ? Boolean(isSel) : undefined}
                      style={{
                        width: cellPx,
                        height: cellPx,
                        minWidth: cellPx,
                        textAlign: 'center',
                        background: cellColor(v),
                        color: v > 0.5 ? '#fff' : '#1d2433',
                        cursor: onCellClick ? 'pointer' : 'default',
                        outline: isSel ? '2px solid #f59e0b' : t === p ? '1px solid #94a3b8' : 'none',
                        outlineOffset: -2,
                        padding: 0,
                      }}
                    >
                      {showText && (c > 0 || normalized) ? label : ''}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

export default ConfusionMatrix;
