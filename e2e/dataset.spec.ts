import { expect, test, type Page } from '@playwright/test';
import { SHARED } from './helpers';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The Dataset panel on the real MNIST test files: original / transformed modes, histogram, re-draw, pinning. */

const MNIST = join(SHARED, 'data/mnist');
const FILES = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => join(MNIST, f));

/** How many pages the panel has finished drawing. */
async function drawn(page: Page): Promise<number> {
  return Number(await page.getByTestId('dataset-grid').getAttribute('data-drawn'));
}

/** Waits until a page drawn after `since` is complete, then returns each frame's pixels as a data URL. */
async function framePixels(page: Page, count: number, since = -1): Promise<string[]> {
  const grid = page.getByTestId('dataset-grid');
  await expect.poll(() => drawn(page)).toBeGreaterThan(since);
  await expect(grid).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByTestId('dataset-frame')).toHaveCount(count);
  return page.getByTestId('dataset-frame').evaluateAll((els) => els.map((c) => (c as HTMLCanvasElement).toDataURL()));
}

test('drop MNIST test files: original and transformed modes, histogram, re-draw changes pixels, pinned samples stay', async ({ page }) => {
  test.skip(!FILES.every(existsSync), `MNIST test files absent under ${MNIST}`);
  // the Config panel chooses its default config (ResNet-18 CIFAR-10: RandomCrop + RandomFlip), whose
  // train pipeline the Dataset panel then uses
  await page.goto('/#/config');
  await expect(page.getByLabel('Merged config tree')).toContainText('ResNet_CIFAR');
  await page.goto('/#/dataset');
  await page.getByTestId('dataset-file-input').setInputFiles(FILES);
  await expect(page.getByTestId('dataset-drop-note')).toContainText('MNIST-style IDX files (test split only)');
  await expect(page.getByTestId('dataset-summary')).toContainText('10000 samples');
  await expect(page.getByTestId('dataset-summary')).toContainText('RandomCrop → RandomFlip → PackInputs');
  await expect(page.getByTestId('dataset-panel')).toHaveAttribute('data-runs-in', 'worker');

  // histogram: ten classes, the real counts of the MNIST test set in the caption range
  const histogram = page.getByTestId('class-histogram');
  await expect(histogram).toContainText('10000 samples, 10 classes, 892–1135 per class');
  await expect(histogram.locator('.recharts-bar-rectangle')).toHaveCount(10);

  // original mode: the images as loaded, with their ground truth
  let n = await drawn(page).catch(() => -1);
  await page.getByTestId('dataset-mode').selectOption('original');
  await framePixels(page, 12, n);
  const first = page.getByTestId('dataset-sample').first();
  await expect(first).toContainText('Ground truth: 7 (7 - seven)');
  await expect(first).toContainText('Original 28×28');
  const originalHeight = await page.getByTestId('dataset-frame').first().evaluate((c) => (c as HTMLCanvasElement).height);

  // transformed mode: the pipeline's output (padded crop 32 × 32, enlarged in the grid)
  n = await drawn(page);
  await page.getByTestId('dataset-mode').selectOption('transformed');
  const before = await framePixels(page, 12, n);
  await expect(first).toContainText('RandomCrop 32×32');
  expect(await page.getByTestId('dataset-frame').first().evaluate((c) => (c as HTMLCanvasElement).height)).not.toBe(originalHeight);
  await expect(page.getByTestId('drawn-params').first()).toContainText('offset_h');

  // re-draw: new augmentations, other pixels
  n = await drawn(page);
  await page.getByTestId('dataset-redraw').click();
  const after = await framePixels(page, 12, n);
  expect(after.filter((u, i) => u !== before[i]).length).toBeGreaterThanOrEqual(6);

  // pin the first sample's parameters: further re-draws keep its pixels
  await page.getByTestId('dataset-sample').first().locator('summary').click();
  n = await drawn(page);
  await page.getByTestId('pin-params').first().check();
  const pinned = await framePixels(page, 12, n);
  n = await drawn(page);
  await page.getByTestId('dataset-redraw').click();
  const again = await framePixels(page, 12, n);
  expect(again[0]).toBe(pinned[0]);
  expect(again.slice(1).filter((u, i) => u !== pinned[i + 1]).length).toBeGreaterThanOrEqual(5);

  // the shown grid as one PNG
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dataset-export').click()]);
  expect(download.suggestedFilename()).toBe('browse_transformed_train_p1.png');
  const { readFileSync } = await import('node:fs');
  const png = readFileSync(await download.path());
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  // 4 columns x 3 rows of equal cells, each as wide as the widest frame
  const frameW = Math.max(...(await page.getByTestId('dataset-frame').evaluateAll((els) => els.map((c) => (c as HTMLCanvasElement).width))));
  expect(png.readUInt32BE(16)).toBe(4 * frameW);

  // paging
  n = await drawn(page);
  await page.getByTestId('dataset-next').click();
  await expect(page.getByTestId('dataset-page')).toHaveText(/page 2 of 834/);
  await framePixels(page, 12, n);
  await expect(page.getByTestId('dataset-sample').first()).toHaveAttribute('data-index', '12');
});

test('results analysis: confusion matrix of predictions on the dropped MNIST test set, a clicked cell lists its samples with images', async ({ page }) => {
  test.skip(!FILES.every(existsSync), `MNIST test files absent under ${MNIST}`);
  const { gunzipSync } = await import('node:zlib');
  const { readFileSync } = await import('node:fs');
  const labels = gunzipSync(readFileSync(FILES[1])).subarray(8, 8 + 300);
  // predictions for the first 300 samples: every 7th is predicted as the next class
  const results = Array.from(labels, (gt, i) => {
    const pred = i % 7 === 0 ? (gt + 1) % 10 : gt;
    const score = new Array(10).fill(0.02);
    score[pred] = 0.82;
    return { pred_score: score, pred_label: [pred], gt_label: [gt], metainfo: { sample_idx: i } };
  });
  const wrong = results.filter((r) => r.pred_label[0] !== r.gt_label[0]);
  const cellT = wrong[0].gt_label[0];
  const cellP = wrong[0].pred_label[0];
  const inCell = wrong.filter((r) => r.gt_label[0] === cellT && r.pred_label[0] === cellP).length;

  await page.goto('/#/dataset');
  // a real drop event carrying the two files, as a drag from the desktop
  const payload = FILES.map((f) => ({ name: f.split('/').pop()!, b64: readFileSync(f).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    return dt;
  }, payload);
  await page.getByTestId('dataset-dropzone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('dataset-drop-note')).toContainText('2 file(s): MNIST-style IDX files');
  await expect(page.getByTestId('dataset-summary')).toContainText('10000 samples');
  await page.getByTestId('results-file-input').setInputFiles({ name: 'results.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(results)) });
  const analysis = page.getByTestId('results-analysis');
  await expect(analysis).toContainText(`300 samples, ${300 - wrong.length} correct`);
  const cell = page.getByTestId(`confusion-cell-${cellT}-${cellP}`);
  await expect(cell).toHaveText(String(inCell));
  await page.getByTestId('confusion-normalized').check();
  await expect(page.getByTestId(`confusion-cell-${cellT}-${cellT}`)).toHaveText(/^0\.\d\d$/);
  await cell.click();
  const listed = page.getByTestId('confusion-cell-samples');
  await expect(listed.locator('figure')).toHaveCount(inCell);
  await expect(listed.locator('canvas')).toHaveCount(inCell);
  await expect(listed).toContainText(`Prediction: ${cellP}, 0.82`);
  await expect(page.getByTestId('results-fail').locator('figure')).toHaveCount(Math.min(20, wrong.length));
});
