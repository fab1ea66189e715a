/** The last validation's confusion matrix (rows: ground truth, columns: prediction), counts or row-normalised. */
import { useState } from 'react';

export function ConfusionMatrixView({ matrix, classes }: { matrix: number[][]; classes: string[] | null }) {
  const [normalise, setNormalise] = useState(false);
  const rows = matrix.map((r) => {
    const sum = r.reduce((a, b) => a + b, 0);
    return r.map((v) => (normalise ? (sum ? v / sum : 0) : v));
  });
  const max = Math.max(1e-12, ...rows.flat());
  const name = (i: number) => classes?.[i] ?? String(i);
  return (
    <div className="train-confusion">
      <label>
        <input type="checkbox" checked={normalise} onChange={(e) => setNormalise(e.target.checked)} /> normalise rows
      </label>
      <table className="table" aria-label="Confusion matrix">
        <thead>
          <tr>
            <th>gt \ pred</th>
            {matrix.map((_, j) => (
              <th key={j} title={name(j)}>
                {j}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <th title={name(i)}>{name(i)}</th>
              {r.map((v, j) => (
                <td key={j} style={{ background: `rgba(31, 119, 180, ${(v / max).toFixed(3)})`, color: v / max > 0.55 ? 'white' : undefined }}>
                  {normalise ? v.toFixed(2) : v}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
