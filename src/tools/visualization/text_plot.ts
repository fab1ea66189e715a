/** A small text plot of a curve for terminals (`vis-scheduler` without `--json`). */

export interface TextPlotOptions {
  /** Columns of the plot area. Default 64. */
  width?: number;
  /** Rows of the plot area. Default 12. */
  height?: number;
  /** Formats the y labels. Default: 3 significant digits in exponent form. */
  format?: (v: number) => string;
}

/**
 * Plots `values` (x = index) as rows of text: each column shows the range of values its indices cover,
 * so steps and warm-ups stay visible however long the series is.
 */
export function textPlot(values: ArrayLike<number>, opts: TextPlotOptions = {}): string[] {
  const width = Math.max(4, Math.min(opts.width ?? 64, values.length || 1));
  const height = Math.max(2, opts.height ?? 12);
  const format = opts.format ?? ((v: number) => v.toExponential(2));
  if (values.length === 0) return ['(no values)'];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  const span = hi - lo || 1;
  const row = (v: number) => Math.round(((hi - v) / span) * (height - 1));
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  for (let c = 0; c < width; c++) {
    const a = Math.floor((c * values.length) / width);
    const b = Math.max(a + 1, Math.floor(((c + 1) * values.length) / width));
    let cmin = Infinity;
    let cmax = -Infinity;
    for (let i = a; i < b; i++) {
      cmin = Math.min(cmin, values[i]);
      cmax = Math.max(cmax, values[i]);
    }
    for (let r = row(cmax); r <= row(cmin); r++) grid[r][c] = '*';
  }
  const labels = grid.map((_, r) => (r === 0 ? format(hi) : r === height - 1 ? format(lo) : ''));
  const pad = Math.max(...labels.map((l) => l.length));
  return grid.map((cells, r) => `${labels[r].padStart(pad)} |${cells.join('')}`).concat(`${' '.repeat(pad)} +${'-'.repeat(width)}`);
}
