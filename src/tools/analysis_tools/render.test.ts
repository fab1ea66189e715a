import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { layoutChart, linearTicks, formatTick, TAB10 } from './chart_layout';
import { glyphPixels, pixelTextWidth } from './pixel_font';
import { chartToPng } from './render_png';
import { chartToSvg } from './render_svg';

const spec = {
  title: 'loss & <acc>',
  xLabel: 'Epochs',
  width: 400,
  height: 300,
  series: [
    { label: 'a_loss', points: [{ x: 0, y: 2 }, { x: 1, y: 1 }, { x: 2, y: 0.5 }] },
    { label: 'b_loss', points: [{ x: 0, y: 3 }, { x: 1, y: NaN }, { x: 2, y: 1 }] },
  ],
};

describe('chart layout', () => {
  it('nice ticks cover the data with 1/2/5 × 10^k steps', () => {
    expect(linearTicks(0, 100)).toEqual({ domain: [0, 100], values: [0, 20, 40, 60, 80, 100], step: 20 });
    expect(linearTicks(0.03, 2.8).values).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(formatTick(0.5, 0.5)).toBe('0.5');
    expect(formatTick(40, 20)).toBe('40');
    expect(formatTick(0.002, 0.001)).toBe('0.002');
  });
  it('maps data to pixels inside the plot area; a NaN splits the line', () => {
    const l = layoutChart(spec);
    const { plot } = l;
    expect(l.series[0].color).toBe(TAB10[0]);
    expect(l.series[0].runs).toHaveLength(1);
    expect(l.series[1].runs).toHaveLength(2);
    const [x0, y0] = l.series[0].runs[0][0];
    expect(x0).toBeCloseTo(plot.left, 9); // x = 0 is the domain start
    expect(y0).toBeGreaterThan(plot.top);
    expect(y0).toBeLessThan(plot.top + plot.height);
  });
  it('log y drops values ≤ 0 and uses decades', () => {
    const l = layoutChart({ ...spec, logY: true, series: [{ label: 'z', points: [{ x: 0, y: 0 }, { x: 1, y: 0.05 }, { x: 2, y: 30 }] }] });
    expect(l.yTicks.map((t) => t.text)).toEqual(['1e-2', '1e-1', '1e0', '1e1', '1e2']);
    expect(l.series[0].runs.flat()).toHaveLength(2);
  });
});

describe('SVG', () => {
  it('is a standalone document with one path per series and escaped text', () => {
    const svg = chartToSvg(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('loss &amp; &lt;acc&gt;');
    expect(svg).toContain('>b_loss</text>');
    expect(svg).not.toContain('NaN');
    // the NaN gap: two move-to commands in the second path
    const second = /<path d="([^"]+)" stroke="#ff7f0e"/.exec(svg)![1];
    expect(second.match(/M/g)).toHaveLength(2);
  });
});

describe('PNG', () => {
  it('decodes to the chart size with the series colours drawn', () => {
    const png = decode(chartToPng(spec));
    expect([png.width, png.height, png.channels]).toEqual([400, 300, 4]);
    const data = png.data as Uint8Array;
    const count = (hex: string) => {
      const v = parseInt(hex.slice(1), 16);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === v >> 16 && data[i + 1] === ((v >> 8) & 255) && data[i + 2] === (v & 255)) n++;
      return n;
    };
    expect(count(TAB10[0])).toBeGreaterThan(200);
    expect(count(TAB10[1])).toBeGreaterThan(20); // two isolated points (the NaN splits it) and the legend swatch
    expect(count('#262626')).toBeGreaterThan(100); // text ink
  });
  it('pixel font: glyphs and widths', () => {
    expect(glyphPixels('1')).toEqual([[1, 0], [0, 1], [1, 1], [1, 2], [1, 3], [0, 4], [1, 4], [2, 4]]);
    expect(glyphPixels('a')).toEqual(glyphPixels('A'));
    expect(glyphPixels('§')).toEqual(glyphPixels('?'));
    expect(pixelTextWidth('ab', 2)).toBe(14);
  });
});
