import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { dropModel, recordPageErrors, SHARED } from './helpers';
import { expect, test, type Page } from '@playwright/test';

/**
 * CAM panel in Chromium: a tiny reference model and a real photo → painted CAM canvases; switching method changes
 * them; several target layers give one row each; images come from the Inference and Dataset panels.
 */

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

/** Loads the reference ResNet-18 (CIFAR, width 16) and dog.jpg in the CAM panel; keeps only `methods`. */
async function loadDog(page: Page, methods: string[]): Promise<void> {
  await page.goto('/#/cam');
  await dropModel(page, 'cam', CFG, CKPT);
  await expect(page.getByTestId('cam-status')).toContainText('all keys loaded', { timeout: 60_000 });
  await page.getByTestId('cam-image').setInputFiles(IMG);
  await expect(page.getByTestId('cam-summary')).toContainText('backbone.layer4.1.bn2', { timeout: 60_000 });
  for (const m of ['GradCAM', 'GradCAM++', 'XGradCAM', 'EigenCAM', 'EigenGradCAM', 'LayerCAM']) if (!methods.includes(m)) await page.getByTestId(`cam-method-${m}`).uncheck();
  await expect(page.locator('canvas[data-testid^="cam-canvas-"]')).toHaveCount(methods.length);
}

test('drop a model and an image: CAM canvases painted, switching method changes the pixels', async ({ page }) => {
  test.skip(![CFG, CKPT, IMG].every(existsSync), `reference files absent under ${SHARED} (resnet18_cifar_w16 model, dog.jpg)`);
  const errors = recordPageErrors(page);
  // GradCAM only, then switch to EigenCAM
  await loadDog(page, ['GradCAM']);
  await expect(page.getByTestId('cam-layer')).toHaveText('backbone.layer4.1.bn2');
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

for (const gpu of ['webgl', 'webgpu'] as const) {
  test(`the CAM on ${gpu} (in the worker) paints the same picture as on WASM`, async ({ page }) => {
    test.skip(![CFG, CKPT, IMG].every(existsSync), `reference files absent under ${SHARED}`);
    test.setTimeout(180_000); // WebGPU is SwiftShader here: shader compilation dominates
    const errors = recordPageErrors(page);
    await loadDog(page, ['LayerCAM']);
    await expect(page.getByTestId('cam-status')).toContainText('model on wasm');
    // A fixed target: this model's scores are nearly uniform, so the predicted class alone could differ by backend.
    await page.getByLabel('target category').fill('5: dog');
    await expect(page.getByTestId('cam-summary')).toContainText('backbone.layer4.1.bn2, category 5 (dog)', { timeout: 60_000 });
    const wasm = await canvasPixels(page, 'LayerCAM');
    await page.getByLabel('backend', { exact: true }).selectOption(gpu);
    await expect(page.getByTestId('cam-status')).toContainText(`model on ${gpu}`, { timeout: 120_000 });
    // the backend change keeps the chosen target
    await expect(page.getByTestId('cam-summary')).toContainText('backbone.layer4.1.bn2, category 5 (dog)', { timeout: 120_000 });
    await expect(page.getByLabel('target category')).toHaveValue('5: dog');
    const other = await canvasPixels(page, 'LayerCAM');
    const worst = Math.max(...other.map((v, i) => Math.abs(v - wasm[i])));
    console.log(`[cam e2e] LayerCAM ${gpu} vs wasm: max pixel difference ${worst}`);
    expect(worst).toBeLessThanOrEqual(2);
    expect(errors).toEqual([]);
  });
}

/** The pixels of a method's canvas in the grid row of `layer`. */
async function rowPixels(page: Page, layer: string, method: string): Promise<number[]> {
  const canvas = page.locator(`[data-testid="cam-row"][data-layer="${layer}"]`).getByTestId(`cam-canvas-${method}`);
  await expect(canvas).toBeVisible();
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
}

test('several target layers: one row of CAMs per layer plus vis_cam\'s aggregate, each painted and different; grid PNG export', async ({ page }) => {
  test.skip(![CFG, CKPT, IMG].every(existsSync), `reference files absent under ${SHARED}`);
  const errors = recordPageErrors(page);
  await loadDog(page, ['GradCAM', 'LayerCAM']);
  await expect(page.getByTestId('cam-row')).toHaveCount(1);

  // Ctrl-click adds layer3 to the default layer: two layer rows and the aggregate row, methods side by side
  await page.getByRole('option', { name: /^layer3 / }).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('cam-summary')).toContainText('Layers backbone.layer4.1.bn2, backbone.layer3', { timeout: 60_000 });
  await expect(page.getByTestId('cam-layer')).toHaveText('backbone.layer4.1.bn2, backbone.layer3');
  const rows = page.getByTestId('cam-row');
  await expect(rows).toHaveCount(3);
  expect(await rows.evaluateAll((els) => els.map((e) => [e.getAttribute('data-layer'), e.getAttribute('data-kind')]))).toEqual([
    ['backbone.layer4.1.bn2', 'layer'],
    ['backbone.layer3', 'layer'],
    ['backbone.layer4.1.bn2 + backbone.layer3', 'aggregate'],
  ]);
  await expect(page.locator('canvas[data-testid^="cam-canvas-"]')).toHaveCount(6);
  const l4 = await rowPixels(page, 'backbone.layer4.1.bn2', 'GradCAM');
  const l3 = await rowPixels(page, 'backbone.layer3', 'GradCAM');
  const mean = await rowPixels(page, 'backbone.layer4.1.bn2 + backbone.layer3', 'GradCAM');
  for (const px of [l4, l3, mean]) expect(distinctColours(px)).toBeGreaterThan(20);
  const differing = (a: number[], b: number[]) => a.filter((v, i) => v !== b[i]).length;
  expect(differing(l4, l3)).toBeGreaterThan(500);
  expect(differing(mean, l4)).toBeGreaterThan(100);
  expect(differing(mean, l3)).toBeGreaterThan(100);
  expect(differing(l3, await rowPixels(page, 'backbone.layer3', 'LayerCAM'))).toBeGreaterThan(100);
  await expect(page.locator('[data-testid="cam-row"][data-kind="aggregate"] [role="rowheader"]')).toHaveText('mean of 2 layers (vis_cam)');

  // one map's PNG, then the whole grid as one PNG (2 methods × 3 rows, maps enlarged to 128 px)
  let download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'export GradCAM (8×8 map) of backbone.layer3 as PNG' }).click();
  expect((await download).suggestedFilename()).toBe('cam_gradcam_backbone.layer3.png');
  download = page.waitForEvent('download');
  await page.getByTestId('cam-export-grid').click();
  const grid = await download;
  expect(grid.suggestedFilename()).toBe('cam_grid_dog.png');
  const png = decodePng(readFileSync((await grid.path())!));
  expect(png.width).toBeGreaterThan(2 * 128);
  expect(png.height).toBeGreaterThan(3 * 128);

  // a category change recomputes every row; removing a layer leaves one row (the model is not reloaded)
  await page.getByLabel('target category').fill('3: cat');
  await expect(page.getByTestId('cam-summary')).toContainText('category 3 (cat)', { timeout: 60_000 });
  expect(differing(l3, await rowPixels(page, 'backbone.layer3', 'GradCAM'))).toBeGreaterThan(100);
  await page.getByRole('button', { name: 'remove layer backbone.layer4.1.bn2' }).click();
  await expect(rows).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('cam-summary')).toContainText('Layer backbone.layer3,');
  await expect(page.getByTestId('cam-status')).toContainText('all keys loaded');
  expect(errors).toEqual([]);
});

test('Explain with CAM from the Inference panel: the CAM panel opens with the image, the model and the predicted class', async ({ page }) => {
  test.skip(![CFG, CKPT, IMG].every(existsSync), `reference files absent under ${SHARED}`);
  const errors = recordPageErrors(page);
  await page.goto('/#/inference');
  await dropModel(page, 'inference', CFG, CKPT);
  await expect(page.getByTestId('inference-status')).toContainText('with resnet18_cifar_w16.safetensors', { timeout: 60_000 });
  await page.getByTestId('inference-images').setInputFiles(IMG);
  const card = page.getByRole('article', { name: 'result for dog.jpg' });
  await expect(card.getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  const top = (await card.locator('.inf-bar-label').first().textContent())!; // "5: dog"
  const [label, name] = top.split(': ');
  await card.getByRole('button', { name: 'Explain with CAM' }).click();

  await expect(page).toHaveURL(/#\/cam$/);
  await expect(page.getByTestId('cam-origin')).toContainText(`dog.jpg from the Inference panel, predicted ${label} (${name})`);
  await expect(page.getByTestId('cam-status')).toContainText('resnet18_cifar_w16.safetensors: all keys loaded', { timeout: 60_000 });
  await expect(page.getByTestId('cam-summary')).toContainText(`Layer backbone.layer4.1.bn2, category ${label} (${name})`, { timeout: 60_000 });
  await expect(page.getByLabel('target category')).toHaveValue(`${label}: ${name}`);
  const px = await canvasPixels(page, 'GradCAM');
  expect(px.length).toBe(32 * 32 * 4);
  expect(distinctColours(px)).toBeGreaterThan(20);
  expect(errors).toEqual([]);
});

test('Open in CAM from the Dataset panel: an MNIST sample with the Inference panel\'s default model, then its ground truth as the target', async ({ page }) => {
  const MNIST = resolve(SHARED, 'data/mnist');
  const FILES = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => resolve(MNIST, f));
  test.skip(![...FILES, 'public/models/lenet5_fashion-mnist.pth'].every(existsSync), 'MNIST test files or the default weights are absent');
  const errors = recordPageErrors(page);
  // a first visit to the Inference panel opens the default model (LeNet-5, Fashion-MNIST) with its released weights
  await page.goto('/#/inference');
  await expect(page.getByTestId('inference-status')).toContainText('with lenet5_fashion-mnist.pth', { timeout: 60_000 });
  await page.goto('/#/dataset');
  await page.getByTestId('dataset-file-input').setInputFiles(FILES);
  const first = page.getByTestId('dataset-sample').first();
  await expect(first).toContainText('Ground truth: 7', { timeout: 60_000 });
  await first.getByRole('button', { name: 'Open in CAM' }).click();

  await expect(page).toHaveURL(/#\/cam$/);
  await expect(page.getByTestId('cam-origin')).toContainText("0.jpg from the Dataset panel, ground truth 7; model: the Inference panel's lenet5_1xb32-sgd-coslr-3e_fashion-mnist with lenet5_fashion-mnist.pth");
  await expect(page.getByTestId('cam-status')).toContainText('lenet5_fashion-mnist.pth: all keys loaded', { timeout: 60_000 });
  // LeNet-5 has no norm layer (vis_cam would need --target-layers): the studio suggests its last spatial map
  await expect(page.getByTestId('cam-summary')).toContainText('Layer backbone.features.5, category', { timeout: 60_000 });
  await expect(page.getByTestId('cam-need-layer')).toHaveCount(0);
  await page.getByLabel('layer name').fill('backbone.features[4]');
  await page.getByRole('button', { name: 'Set', exact: true }).click();
  await expect(page.getByTestId('cam-summary')).toContainText('Layer backbone.features.4, category', { timeout: 60_000 });
  const predicted = await canvasPixels(page, 'GradCAM');
  expect(predicted.length).toBe(32 * 32 * 4);
  expect(distinctColours(predicted)).toBeGreaterThan(20);
  await page.getByRole('button', { name: /^Target the ground truth \(7: / }).click();
  await expect(page.getByTestId('cam-summary')).toContainText('category 7 (', { timeout: 60_000 });

  // Back to the Dataset panel for another sample: the CAM panel keeps its model and its target layer
  await page.goto('/#/dataset');
  await page.getByTestId('dataset-file-input').setInputFiles(FILES);
  await expect(page.getByTestId('dataset-sample').nth(1)).toContainText('Ground truth: 2', { timeout: 60_000 });
  await page.getByTestId('dataset-sample').nth(1).getByRole('button', { name: 'Open in CAM' }).click();
  await expect(page.getByTestId('cam-origin')).toContainText('1.jpg from the Dataset panel, ground truth 2');
  await expect(page.getByTestId('cam-origin')).not.toContainText('Inference panel');
  await expect(page.getByTestId('cam-status')).toContainText('lenet5_fashion-mnist.pth: all keys loaded', { timeout: 60_000 });
  await expect(page.getByTestId('cam-summary')).toContainText('Layer backbone.features.4, category', { timeout: 60_000 });
  const other = await canvasPixels(page, 'GradCAM');
  expect(other.filter((v, i) => v !== predicted[i]).length).toBeGreaterThan(500);
  expect(errors).toEqual([]);
});

/** Transformer families of the reference zoo, CAM'd as vis_cam does (`--vit-like`, extra tokens where there are). */
const VIT_LIKE: { family: string; layer: RegExp; extraTokens?: number | null }[] = [
  { family: 'DistilledVisionTransformer', layer: /^backbone\.layers\.1\.ln1$/, extraTokens: 2 },
  { family: 'VisionTransformer', layer: /^backbone\.layers\.1\.ln1$/, extraTokens: 1 },
  // its blocks run ln1 twice (as MMPretrain's): the input of the final block
  { family: 'DeiT3', layer: /^backbone\.layers\.0$/, extraTokens: 1 },
  // spatial maps, the last norm: not ViT-like
  { family: 'SwinTransformer', layer: /^backbone\.norm1$/, extraTokens: null },
  // the other transformer and MLP families with weights in the zoo: the studio's suggestion, painted
  // a token-only backbone: its last norm on the token grid, nothing to drop
  { family: 'MlpMixer', layer: /^backbone\.ln1$/, extraTokens: 0 },
  ...['BEiTViT', 'MoCoV3ViT', 'RevVisionTransformer', 'ViTEVA02', 'T2T_ViT', 'XCiT', 'TNT', 'DaViT', 'MViT', 'MixMIMTransformer', 'PCPVT', 'SVT', 'TinyViT', 'SwinTransformerV2', 'EfficientFormer', 'MobileViT', 'Conformer'].map((family) => ({ family, layer: /^backbone\./, extraTokens: undefined })),
];

test('CAM on every transformer / MLP zoo family with weights (DeiT with its distillation token, ViT, DeiT3, Swin, …): the suggested layer, painted maps', async ({ page }) => {
  const zoo = resolve(SHARED, 'reference/zoo');
  const files = (f: string) => [resolve(zoo, `${f}_tiny_model.json`), resolve(zoo, `${f}_tiny.pth`)] as const;
  test.skip(![IMG, ...VIT_LIKE.flatMap((v) => files(v.family))].every(existsSync), `reference zoo files absent under ${zoo}`);
  test.setTimeout(180_000);
  const errors = recordPageErrors(page);
  await page.goto('/#/cam');
  for (const { family, layer, extraTokens } of VIT_LIKE) {
    const [cfg, ckpt] = files(family);
    await dropModel(page, 'cam', cfg, ckpt);
    // loaded, or the panel's error (named in the failure)
    await expect(page.getByTestId('cam-status').getByText('all keys loaded').or(page.getByRole('alert'))).toBeVisible({ timeout: 60_000 });
    expect(await page.getByRole('alert').allTextContents(), family).toEqual([]);
    await page.getByTestId('cam-image').setInputFiles(IMG);
    await expect(page.getByTestId('cam-layer').or(page.getByRole('alert'))).toHaveText(layer, { timeout: 60_000 });
    expect(await page.getByRole('alert').allTextContents(), family).toEqual([]);
    console.log(`[cam ${family}] ${await page.getByTestId('cam-summary').textContent()}`);
    const vitLike = page.getByRole('checkbox', { name: 'vit-like' });
    if (extraTokens === null) await expect(vitLike).not.toBeChecked();
    else if (extraTokens !== undefined) {
      await expect(vitLike).toBeChecked();
      await expect(page.getByLabel(/extra tokens/)).toHaveAttribute('placeholder', String(extraTokens));
    }
    const px = await canvasPixels(page, 'GradCAM');
    expect(distinctColours(px), `${family} GradCAM colours`).toBeGreaterThan(20);
  }
  expect(errors).toEqual([]);
});
