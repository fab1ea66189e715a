import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

/** CAM panel in Chromium: a tiny reference model and a real photo → painted CAM canvases; switching method changes them. */

const SHARED = process.env.MMPRETRAIN_WEB_SHARED ?? resolve(process.cwd(), '../shared');
const CFG = resolve(SHARED, 'reference/models/resnet18_cifar_w16_cfg.json');
const CKPT = resolve(SHARED, 'reference/models/resnet18_cifar_w16.safetensors');
const IMG = resolve(SHARED, 'data/images/dog.jpg');

async function canvasPixels(page: Page, method: string): Promise<number[]> {
  const canvas = page.getByTestId(`cam-canvas-${method}`);
  await expect(canvas).toBeVisible();
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
}

function distinctColours(px: number[]): number {
  const set = new Set<string>();
  for (let i = 0; i < px.length; i += 4) set.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
  return set.size;
}

test('drop a model and an image: CAM canvases painted, switching method changes the pixels', async ({ page }) => {
  test.skip(![CFG, CKPT, IMG].every(existsSync), `reference files absent under ${SHARED} (resnet18_cifar_w16 model, dog.jpg)`);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#/cam');
  await page.getByTestId('cam-config').setInputFiles(CFG);
  await page.getByTestId('cam-checkpoint').setInputFiles(CKPT);
  await expect(page.getByTestId('cam-status')).toContainText('all keys loaded', { timeout: 60_000 });
  await page.getByTestId('cam-image').setInputFiles(IMG);
  await expect(page.getByTestId('cam-summary')).toContainText('backbone.layer4.1.bn2', { timeout: 60_000 });
  await expect(page.getByTestId('cam-layer')).toHaveText('backbone.layer4.1.bn2');

  // keep GradCAM only, then switch to EigenCAM
  for (const m of ['GradCAM++', 'XGradCAM', 'EigenCAM', 'EigenGradCAM', 'LayerCAM']) await page.getByTestId(`cam-method-${m}`).uncheck();
  await expect(page.locator('canvas[data-testid^="cam-canvas-"]')).toHaveCount(1);
  const grad = await canvasPixels(page, 'GradCAM');
  expect(grad.length).toBe(32 * 32 * 4);
  expect(distinctColours(grad)).toBeGreaterThan(20);

  await page.getByTestId('cam-method-EigenCAM').check();
  await page.getByTestId('cam-method-GradCAM').uncheck();
  await expect(page.getByTestId('cam-canvas-GradCAM')).toHaveCount(0);
  const eigen = await canvasPixels(page, 'EigenCAM');
  expect(distinctColours(eigen)).toBeGreaterThan(20);
  const changed = eigen.filter((v, i) => v !== grad[i]).length;
  expect(changed).toBeGreaterThan(100);

  // PNG export of a canvas
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /^export EigenCAM \(/ }).click({ timeout: 10_000 });
  expect((await download).suggestedFilename()).toBe('cam_eigencam.png');

  // a layer change recomputes without reloading the model
  await page.getByRole('option', { name: /^conv1 / }).first().click();
  await expect(page.getByTestId('cam-summary')).toContainText('Layer backbone.conv1');
  expect(errors).toEqual([]);
});

test('the CAM on WebGL (in the worker) paints the same picture as on WASM', async ({ page }) => {
  test.skip(![CFG, CKPT, IMG].every(existsSync), `reference files absent under ${SHARED}`);
  await page.goto('/#/cam');
  await page.getByTestId('cam-config').setInputFiles(CFG);
  await page.getByTestId('cam-checkpoint').setInputFiles(CKPT);
  await expect(page.getByTestId('cam-status')).toContainText('model on wasm', { timeout: 60_000 });
  await page.getByTestId('cam-image').setInputFiles(IMG);
  await expect(page.getByTestId('cam-summary')).toContainText('backbone.layer4.1.bn2', { timeout: 60_000 });
  const wasm = await canvasPixels(page, 'LayerCAM');
  await page.getByLabel('backend', { exact: true }).selectOption('webgl');
  await expect(page.getByTestId('cam-status')).toContainText('model on webgl', { timeout: 60_000 });
  await expect(page.getByTestId('cam-summary')).toContainText('backbone.layer4.1.bn2', { timeout: 60_000 });
  const webgl = await canvasPixels(page, 'LayerCAM');
  const worst = Math.max(...webgl.map((v, i) => Math.abs(v - wasm[i])));
  console.log(`[cam e2e] LayerCAM webgl vs wasm: max pixel difference ${worst}`);
  expect(worst).toBeLessThanOrEqual(2);
});
