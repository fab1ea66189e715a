import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../../tools/visualization/browse_dataset';
import { camGridImage } from './gridImage';

const solid = (w: number, h: number, rgb: [number, number, number]): RgbaImage => {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return { data, width: w, height: h };
};
const px = (img: RgbaImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
/** Pixels of `img` equal to `rgb`, and their bounding box. */
function find(img: RgbaImage, rgb: number[]) {
  let n = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const p = px(img, x, y);
      if (p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2]) {
        n++;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  return { n, x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('camGridImage', () => {
  it('methods as columns, one row per layer: small maps enlarged ×4 (nearest), rows below each other, columns side by side', () => {
    const red = [250, 10, 10] as [number, number, number];
    const green = [10, 250, 10] as [number, number, number];
    const blue = [10, 10, 250] as [number, number, number];
    const grey = [120, 130, 140] as [number, number, number];
    const img = camGridImage(
      ['GradCAM', 'LayerCAM'],
      [
        { label: 'backbone.layer3.1', cells: [solid(32, 32, red), solid(32, 32, green)] },
        { label: 'backbone.layer4', cells: [solid(32, 32, blue), solid(32, 32, grey)] },
      ],
      ['dog.png: category 5 (dog)'],
    );
    const boxes = [red, green, blue, grey].map((c) => find(img, c));
    for (const b of boxes) expect([b.n, b.w, b.h]).toEqual([128 * 128, 128, 128]);
    expect(boxes[1].y0).toBe(boxes[0].y0); // same row
    expect(boxes[1].x0).toBeGreaterThan(boxes[0].x0 + 128);
    expect(boxes[2].x0).toBe(boxes[0].x0); // same column
    expect(boxes[2].y0).toBeGreaterThan(boxes[0].y0 + 128);
    // row labels to the left of the pictures, titles and caption above: dark ink there, white elsewhere
    const ink = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (px(img, x, y)[0] < 100 && px(img, x, y)[1] < 100 && px(img, x, y)[2] < 100) n++;
      return n;
    };
    expect(ink(0, boxes[0].y0, boxes[0].x0, boxes[0].y0 + 128)).toBeGreaterThan(50);
    expect(ink(boxes[0].x0, 0, boxes[0].x0 + 128, boxes[0].y0)).toBeGreaterThan(50);
    expect(px(img, img.width - 1, img.height - 1)).toEqual([255, 255, 255, 255]);
  });

  it('large pictures keep their size; a row with a picture missing is refused', () => {
    const img = camGridImage(['EigenCAM'], [{ label: 'l', cells: [solid(200, 150, [1, 200, 3])] }]);
    expect(find(img, [1, 200, 3])).toMatchObject({ w: 200, h: 150 });
    expect(() => camGridImage(['GradCAM', 'EigenCAM'], [{ label: 'backbone.layer4', cells: [solid(4, 4, [0, 0, 0])] }])).toThrow('row "backbone.layer4" has 1 pictures for 2 methods');
    expect(() => camGridImage([], [])).toThrow('nothing to export');
  });
});
