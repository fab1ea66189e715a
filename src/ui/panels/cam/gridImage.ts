/**
 * The CAM grid as one picture (the panel's "Export grid PNG"): methods side by side, one row per target layer
 * (and vis_cam's aggregate row), a method title over each column, the layer's name before each row, the image,
 * category and settings as a caption. Pure: RGBA in, RGBA out (no DOM), encoded with fast-png by the caller.
 */
import { GLYPH_HEIGHT } from '../../../tools/analysis_tools/pixel_font';
import { Canvas, scaleNearest, textWidth, type RgbaImage } from '../../../tools/visualization/browse_dataset';

/** One row of the grid: its label (the layer) and one picture per column. */
export interface GridRow {
  label: string;
  cells: RgbaImage[];
}

const GAP = 8;
const TEXT_SCALE = 2;
const LINE_H = (GLYPH_HEIGHT + 2) * TEXT_SCALE;

/**
 * Lays `rows` out under `columns` titles. Pictures smaller than `minCell` pixels on their longer side are enlarged
 * by a whole factor (nearest neighbour, as the panel shows them). Default `minCell`: 128.
 */
export function camGridImage(columns: string[], rows: GridRow[], caption: string[] = [], minCell = 128): RgbaImage {
  if (!rows.length || !columns.length) throw new Error('CAM grid: nothing to export (no rows or no methods)');
  for (const r of rows) if (r.cells.length !== columns.length) throw new Error(`CAM grid: row "${r.label}" has ${r.cells.length} pictures for ${columns.length} methods`);
  const scaled = rows.map((r) => r.cells.map((c) => scaleNearest(c, Math.max(1, Math.ceil(minCell / Math.max(c.width, c.height))))));
  const colW = columns.map((t, k) => Math.max(textWidth([t]), ...scaled.map((r) => r[k].width)));
  const rowH = scaled.map((r) => Math.max(LINE_H, ...r.map((c) => c.height)));
  const labelW = textWidth(rows.map((r) => r.label));
  const captionH = caption.length ? caption.length * LINE_H + GAP : 0;
  const gridW = GAP + labelW + GAP + colW.reduce((a, b) => a + b + GAP, 0);
  const width = Math.max(gridW, textWidth(caption) + 2 * GAP);
  const height = GAP + captionH + LINE_H + rowH.reduce((a, b) => a + b + GAP, 0);
  const canvas = new Canvas(width, height);
  caption.forEach((line, i) => canvas.text(line, GAP, GAP + i * LINE_H));
  const top = GAP + captionH;
  const colX: number[] = [];
  let x = GAP + labelW + GAP;
  columns.forEach((title, k) => {
    colX.push(x);
    canvas.text(title, x + Math.floor((colW[k] - textWidth([title])) / 2), top);
    x += colW[k] + GAP;
  });
  let y = top + LINE_H;
  rows.forEach((r, i) => {
    canvas.text(r.label, GAP, y + Math.floor((rowH[i] - LINE_H) / 2));
    scaled[i].forEach((cell, k) => canvas.paste(cell, colX[k] + Math.floor((colW[k] - cell.width) / 2), y + Math.floor((rowH[i] - cell.height) / 2)));
    y += rowH[i] + GAP;
  });
  return canvas;
}
