/** A chart as a standalone SVG document (string), for the CLI's `--out plot.svg` and the panel's export. */
import { layoutChart, type ChartLayout, type ChartSpec } from './chart_layout';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r = (v: number) => Math.round(v * 100) / 100;

function pathData(runs: [number, number][][]): string {
  return runs.map((run) => run.map(([x, y], i) => `${i ? 'L' : 'M'}${r(x)},${r(y)}`).join('')).join('');
}

/** Renders a laid-out chart to SVG markup. */
export function layoutToSvg(l: ChartLayout): string {
  const { plot, fontSize: fs } = l;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${fs}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<rect x="${r(plot.left)}" y="${r(plot.top)}" width="${r(plot.width)}" height="${r(plot.height)}" fill="#eaeaf2"/>`,
  ];
  for (const t of l.xTicks) {
    out.push(`<line x1="${r(t.pos)}" y1="${r(plot.top)}" x2="${r(t.pos)}" y2="${r(plot.top + plot.height)}" stroke="#ffffff"/>`);
    out.push(`<text x="${r(t.pos)}" y="${r(plot.top + plot.height + fs * 1.4)}" text-anchor="middle" fill="#262626">${esc(t.text)}</text>`);
  }
  for (const t of l.yTicks) {
    out.push(`<line x1="${r(plot.left)}" y1="${r(t.pos)}" x2="${r(plot.left + plot.width)}" y2="${r(t.pos)}" stroke="#ffffff"/>`);
    out.push(`<text x="${r(plot.left - fs * 0.5)}" y="${r(t.pos + fs * 0.35)}" text-anchor="end" fill="#262626">${esc(t.text)}</text>`);
  }
  out.push(`<g fill="none" stroke-width="1.5" stroke-linejoin="round">`);
  for (const s of l.series) {
    if (s.runs.length) out.push(`<path d="${pathData(s.runs)}" stroke="${esc(s.color)}"><title>${esc(s.label)}</title></path>`);
  }
  out.push('</g>');
  if (l.title) out.push(`<text x="${r(plot.left + plot.width / 2)}" y="${r(fs * 1.8)}" text-anchor="middle" font-size="${r(fs * 1.2)}" fill="#262626">${esc(l.title)}</text>`);
  if (l.xLabel) out.push(`<text x="${r(plot.left + plot.width / 2)}" y="${r(plot.top + plot.height + fs * 3)}" text-anchor="middle" fill="#262626">${esc(l.xLabel)}</text>`);
  if (l.yLabel) {
    const cx = r(fs * 1);
    const cy = r(plot.top + plot.height / 2);
    out.push(`<text x="${cx}" y="${cy}" transform="rotate(-90 ${cx} ${cy})" text-anchor="middle" fill="#262626">${esc(l.yLabel)}</text>`);
  }
  if (l.legend) {
    const g = l.legend;
    out.push(`<rect x="${r(g.x)}" y="${r(g.y)}" width="${r(g.width)}" height="${r(g.rowHeight * l.series.length + fs * 0.5)}" fill="#ffffff" fill-opacity="0.8" stroke="#cccccc" rx="3"/>`);
    l.series.forEach((s, i) => {
      const y = g.y + fs * 0.25 + g.rowHeight * (i + 0.5);
      out.push(`<line x1="${r(g.x + fs * 0.5)}" y1="${r(y)}" x2="${r(g.x + fs * 2.3)}" y2="${r(y)}" stroke="${esc(s.color)}" stroke-width="2"/>`);
      out.push(`<text x="${r(g.x + fs * 2.8)}" y="${r(y + fs * 0.35)}" fill="#262626">${esc(s.label)}</text>`);
    });
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Lays out and renders a chart to SVG markup. */
export function chartToSvg(spec: ChartSpec): string {
  return layoutToSvg(layoutChart(spec));
}
