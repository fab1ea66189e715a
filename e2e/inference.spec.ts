import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import { dropModel, recordPageErrors, SHARED } from './helpers';
import { expect, test, type Page } from '@playwright/test';

/**
 * Inference panel in Chromium: drop the resnet18_cifar_w16 reference config + checkpoint and real photos → top-k
 * score bars per image, a clear message for a non-image, the JSON download, the checkpoint restored from the offline
 * cache after a reload; the Model panel shows the module tree and the complexity table.
 */

const CFG = resolve(SHARED, 'reference/models/resnet18_cifar_w16_cfg.json');
const CKPT = resolve(SHARED, 'reference/models/resnet18_cifar_w16.safetensors');
const IMGS = ['dog.jpg', 'cat-dog.png'].map((n) => resolve(SHARED, 'data/images', n));

test('drop config + checkpoint + images: top-k bars, bad file message, JSON download, offline checkpoint after reload', async ({ page }) => {
  test.skip(![CFG, CKPT, ...IMGS].every(existsSync), `reference files absent under ${SHARED}`);
  const errors = recordPageErrors(page);
  await page.goto('/#/inference');
  await dropModel(page, 'inference', CFG, CKPT);
  await expect(page.getByTestId('inference-status')).toContainText('with resnet18_cifar_w16.safetensors', { timeout: 60_000 });
  await expect(page.getByTestId('inference-pipeline')).toContainText('LoadImageFromFile → Resize → PackInputs');

  await page.getByTestId('inference-images').setInputFiles([
    ...IMGS.map((p) => ({ name: p.replace(/^.*\//, ''), mimeType: p.endsWith('.png') ? 'image/png' : 'image/jpeg', buffer: readFileSync(p) })),
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
    { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
  ]);
  const cards = page.getByTestId('inference-result');
  await expect(cards).toHaveCount(4);
  const dog = page.getByRole('article', { name: 'result for dog.jpg' });
  await expect(dog.getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  await expect(dog).toContainText(/ms on (wasm|webgl|webgpu|cpu)/);
  await expect(page.getByRole('article', { name: 'result for cat-dog.png' }).getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  await expect(page.getByRole('article', { name: 'result for notes.txt' }).getByRole('alert')).toContainText('notes.txt', { timeout: 30_000 });
  await expect(page.getByRole('article', { name: 'result for empty.jpg' }).getByRole('alert')).toContainText('empty.jpg: the file is empty (0 bytes)', { timeout: 30_000 });

  // Bars are sorted, sized by score, named with CIFAR-10 classes.
  const scores = (await dog.locator('.inf-bar-score').allTextContents()).map((t) => parseFloat(t));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  expect(await dog.locator('.inf-bar-label').first().textContent()).toMatch(/^\d: (airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck)$/);

  const download = page.waitForEvent('download');
  await page.getByTestId('inference-download').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('inference_resnet18_cifar_w16_cfg.json');
  const json = JSON.parse(readFileSync((await file.path())!, 'utf8')) as { results: { image: string; pred_scores?: number[]; topk?: { score: number }[]; error?: string }[] };
  expect(json.results.map((r) => r.image)).toEqual(['dog.jpg', 'cat-dog.png', 'notes.txt', 'empty.jpg']);
  expect(json.results[0].pred_scores).toHaveLength(10);
  expect(json.results[0].topk![0].score * 100).toBeCloseTo(scores[0], 1);
  expect(json.results[3].error).toContain('0 bytes');

  // A checkpoint for another architecture: a clear message, the tab stays alive.
  await page.getByTestId('inference-checkpoint').setInputFiles(resolve(SHARED, 'reference/models/lenet5.safetensors'));
  await expect(page.getByTestId('inference-error')).toContainText('lenet5.safetensors: no weight fits this model', { timeout: 60_000 });

  // Reload: config and the last good checkpoint come back from the offline cache, no file needed.
  await page.getByRole('button', { name: 'resnet18_cifar_w16.safetensors', exact: true }).click();
  await expect(page.getByTestId('inference-status')).toContainText('with resnet18_cifar_w16.safetensors', { timeout: 60_000 });
  await page.reload();
  await expect(page.getByTestId('inference-cache')).toContainText('resnet18_cifar_w16.safetensors');
  await expect(page.getByTestId('inference-status')).toContainText('with resnet18_cifar_w16.safetensors', { timeout: 60_000 });
  await page.getByTestId('inference-images').setInputFiles(IMGS[0]);
  await expect(page.getByRole('article', { name: 'result for dog.jpg' }).getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  expect(parseFloat((await page.getByRole('article', { name: 'result for dog.jpg' }).locator('.inf-bar-score').first().textContent())!)).toBeCloseTo(scores[0], 2);
  expect(errors).toEqual([]);
});

/** The panel's JSON download, parsed. */
async function downloadResults(page: Page) {
  const download = page.waitForEvent('download');
  await page.getByTestId('inference-download').click();
  const file = await download;
  return JSON.parse(readFileSync((await file.path())!, 'utf8')) as {
    backend: string;
    requested_backend: string;
    first_inference_ms: number | null;
    results: { image: string; backend: string; pred_label: number; pred_scores: number[]; first: boolean; forwardMs: number }[];
  };
}

test('the worker runs on the studio backend: webgpu and webgl give the wasm top-1 and scores within 1e-3', async ({ page }) => {
  test.setTimeout(300_000);
  const IMG = resolve(SHARED, 'data/images/demo.JPEG');
  test.skip(![CFG, CKPT, IMG].every(existsSync), `reference files absent under ${SHARED}`);
  const errors = recordPageErrors(page);
  await page.goto('/?backend=wasm#/inference');
  // The panel follows the studio's backend (here the URL's wasm) until its own selector says otherwise.
  await expect(page.getByLabel('backend', { exact: true })).toHaveValue('studio');
  await expect(page.getByLabel('backend', { exact: true }).locator('option').first()).toHaveText('studio choice (wasm)');
  await dropModel(page, 'inference', CFG, CKPT);
  await expect(page.getByTestId('inference-status')).toContainText('on wasm with resnet18_cifar_w16.safetensors', { timeout: 60_000 });
  await page.getByTestId('inference-images').setInputFiles(IMG);
  const card = page.getByRole('article', { name: 'result for demo.JPEG' });
  await expect(card.getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  await expect(card.getByTestId('inference-time')).toContainText('ms on wasm (first)');
  await expect(page.getByTestId('inference-latency')).toContainText('wasm: first inference');
  const wasm = (await downloadResults(page)).results[0];
  expect(wasm.backend).toBe('wasm');

  for (const backend of ['webgpu', 'webgl'] as const) {
    const t0 = Date.now();
    if (backend === 'webgpu') {
      // The status bar's choice moves the panel's worker too.
      await page.getByLabel('Backend choice').selectOption('webgpu');
      await expect(page.getByLabel('backend', { exact: true }).locator('option').first()).toHaveText('studio choice (webgpu)');
    } else {
      // The panel's own selector overrides the studio's choice.
      await page.getByLabel('backend', { exact: true }).selectOption('webgl');
    }
    await expect(page.getByTestId('inference-status')).toContainText(`on ${backend} with resnet18_cifar_w16.safetensors`, { timeout: 120_000 });
    await expect(card.getByTestId('inference-time')).toContainText(`ms on ${backend} (first: includes shader compilation)`, { timeout: 120_000 });
    await expect(page.getByTestId('inference-latency')).toContainText(`${backend}: first inference`);
    const json = await downloadResults(page);
    expect(json).toMatchObject({ backend, requested_backend: backend });
    const r = json.results[0];
    expect(r).toMatchObject({ image: 'demo.JPEG', backend, first: true, pred_label: wasm.pred_label });
    expect(json.first_inference_ms).toBeCloseTo(r.forwardMs, 6);
    const maxDiff = Math.max(...r.pred_scores.map((v, i) => Math.abs(v - wasm.pred_scores[i])));
    console.log(`[inference] ${backend} in the worker: top-1 ${r.pred_label}, max |score - wasm| ${maxDiff.toExponential(2)}, first inference ${r.forwardMs.toFixed(0)} ms (${((Date.now() - t0) / 1000).toFixed(1)} s with the reload)`);
    expect(maxDiff).toBeLessThan(1e-3);
  }
  // A second image on webgl: no shader compilation any more, and the latency line gives both figures.
  await page.getByTestId('inference-images').setInputFiles({ name: 'demo2.JPEG', mimeType: 'image/jpeg', buffer: readFileSync(IMG) });
  await expect(page.getByRole('article', { name: 'result for demo2.JPEG' }).getByTestId('inference-time')).toHaveText(/^[\d.]+ ms on webgl$/, { timeout: 60_000 });
  await expect(page.getByTestId('inference-latency')).toContainText(/webgl: first inference \d+ ms, then [\d.]+ ms per image \(median of 1\)/);
  expect(errors).toEqual([]);
});

test('drag and drop LeNet-5 (config + checkpoint + image) in one drop; paste a config as text', async ({ page }) => {
  const LCFG = resolve(SHARED, 'reference/models/lenet5_cfg.json');
  const LCKPT = resolve(SHARED, 'reference/models/lenet5.safetensors');
  test.skip(![LCFG, LCKPT, ...IMGS].every(existsSync), `reference files absent under ${SHARED}`);
  await page.goto('/#/inference');
  const files = [
    { name: 'lenet5_cfg.json', type: 'application/json', data: [...readFileSync(LCFG)] },
    { name: 'lenet5.safetensors', type: 'application/octet-stream', data: [...readFileSync(LCKPT)] },
    { name: 'dog.jpg', type: 'image/jpeg', data: [...readFileSync(IMGS[0])] },
  ];
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.data)], f.name, { type: f.type }));
    return dt;
  }, files);
  await page.getByTestId('inference-dropzone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('inference-status')).toContainText('lenet5_cfg on', { timeout: 60_000 });
  await expect(page.getByTestId('inference-status')).toContainText('with lenet5.safetensors');
  await expect(page.getByTestId('inference-pipeline')).toContainText('LoadImageFromFile');
  await expect(page.getByRole('article', { name: 'result for dog.jpg' }).getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  await expect(page.getByRole('article', { name: 'result for dog.jpg' }).locator('.inf-bar-label').first()).toHaveText(/^\d: \d - /); // MNIST names

  // A classes.txt names the classes instead (the image is classified again with the new names).
  const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  await page.getByTestId('inference-classes').setInputFiles({ name: 'classes.txt', mimeType: 'text/plain', buffer: Buffer.from(names.join('\n') + '\n') });
  await expect(page.getByTestId('inference-status')).toContainText('from classes.txt');
  await expect(page.getByRole('article', { name: 'result for dog.jpg' }).locator('.inf-bar-label').first()).toHaveText(/^\d: (zero|one|two|three|four|five|six|seven|eight|nine)$/, { timeout: 30_000 });

  // Paste the ResNet config as text: the model is rebuilt (the LeNet checkpoint does not fit it: a clear message).
  const text = readFileSync(CFG, 'utf8');
  await page.getByTestId('inference-dropzone').evaluate((el, t) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
  await expect(page.getByTestId('inference-error')).toContainText('lenet5.safetensors: no weight fits this model (pasted_config)', { timeout: 60_000 });
});

test('a first visit has the default model with its released weights ready: drop a Fashion-MNIST test image', async ({ page }) => {
  const IDX = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  test.skip(!existsSync(IDX) || !existsSync('public/models/lenet5_fashion-mnist.pth'), 'Fashion-MNIST (dataset-fashion-mnist) or the default weights are absent');
  await page.goto('/#/inference');
  await expect(page.getByTestId('inference-status')).toContainText('lenet5_1xb32-sgd-coslr-3e_fashion-mnist on', { timeout: 60_000 });
  await expect(page.getByTestId('inference-status')).toContainText('with lenet5_fashion-mnist.pth');
  // The first test image (an ankle boot, label 9) as a PNG file.
  const pixels = gunzipSync(readFileSync(IDX)).subarray(16, 16 + 784);
  const png = Buffer.from(encodePng({ width: 28, height: 28, data: new Uint8Array(pixels), channels: 1, depth: 8 }));
  await page.getByTestId('inference-images').setInputFiles({ name: 't10k_0.png', mimeType: 'image/png', buffer: png });
  const card = page.getByRole('article', { name: 'result for t10k_0.png' });
  await expect(card.getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  await expect(card.locator('.inf-bar-label').first()).toHaveText('9: Ankle boot');
});

test('Model panel: module tree with parameter shapes and the complexity table', async ({ page }) => {
  test.skip(!existsSync(CFG), `reference files absent under ${SHARED}`);
  await page.goto('/#/model');
  await page.getByTestId('model-config').setInputFiles(CFG);
  const tree = page.getByTestId('model-tree');
  await expect(tree).toContainText('ResNet_CIFAR', { timeout: 60_000 });
  await expect(tree).toContainText('weight (16, 3, 3, 3)');
  await expect(tree).toContainText('running_mean* (16,)');
  await expect(page.getByTestId('model-totals')).toContainText('Params');
  await page.getByLabel('view').selectOption('complexity');
  await expect(page.getByTestId('model-complexity')).toContainText('backbone.layer1');
  // Input shape changes the FLOPs, not the parameters.
  const flops32 = await page.getByTestId('model-totals').locator('dd').nth(1).textContent();
  await page.getByLabel('height').fill('64');
  await page.getByLabel('width').fill('64');
  await expect(page.getByTestId('model-totals')).toContainText('(3, 64, 64)', { timeout: 30_000 });
  await expect(page.getByTestId('model-totals').locator('dd').nth(1)).not.toHaveText(flops32!);
});
