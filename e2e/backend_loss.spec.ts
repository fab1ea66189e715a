import { expect, test, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordPageErrors, SHARED } from './helpers';

/**
 * A lost backend mid-run: LeNet-5 (lenet5_mnist.py made tiny, as e2e/train.spec.ts) trains in the worker on WebGL
 * (ANGLE / SwiftShader here); the e2e build's hook loses the worker's WebGL context for real
 * (`WEBGL_lose_context.loseContext()`, through the worker protocol's `debug-lose-backend`). The run must go on on
 * WASM from the state of its last finished iteration, say so in a notice, and finish with every iteration's loss.
 */
const MNIST = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => join(SHARED, 'data/mnist', f));

/** Both loaders on the MNIST test split, `images` + 32 images, batch 16 (`images / 16` iterations an epoch). */
const OPTIONS = (epochs: number, images = 64) =>
  [
    `train_cfg.max_epochs=${epochs}`,
    'train_dataloader.dataset.test_mode=True',
    `train_dataloader.dataset.indices=${images}`,
    'train_dataloader.batch_size=16',
    'val_dataloader.dataset.indices=32',
    'val_dataloader.batch_size=16',
    'default_hooks.logger.interval=1',
  ].join('\n');

async function setup(page: Page, epochs: number, images = 64) {
  await page.goto('/#/train');
  await page.getByLabel('Config', { exact: true }).selectOption('configs/lenet/lenet5_mnist.py');
  await page.getByLabel('cfg-options').fill(OPTIONS(epochs, images));
  await page.getByTestId('train-dataset-input').setInputFiles(MNIST.map((p) => ({ name: p.split('/').pop()!, mimeType: 'application/gzip', buffer: readFileSync(p) })));
  await expect(page.getByTestId('train-dataset-files')).toContainText('2 files');
}

const iterDone = async (page: Page) => Number(await page.getByTestId('train-progress-iter').getAttribute('value'));

test.skip(!MNIST.every(existsSync), `MNIST test files are absent (${MNIST.join(', ')})`);

test('WebGL context lost mid-run: the run goes on on WASM from the last iteration kept, with a notice', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = recordPageErrors(page);
  const workerLog: string[] = [];
  page.on('console', (m) => workerLog.push(m.text()));
  // 2 epochs of 8 iterations.
  await setup(page, 2, 128);
  await page.getByLabel('Training backend').selectOption('webgl');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('webgl', { timeout: 120_000 });
  // Two iterations done on WebGL (shader compilation makes the first slow on SwiftShader).
  await expect.poll(() => iterDone(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(2);
  const lostAfter = await iterDone(page);
  await page.evaluate(() => (window as unknown as { __mmpwTrain: { loseBackend(): void } }).__mmpwTrain.loseBackend());

  const notice = page.getByTestId('train-backend-notice');
  await expect(notice).toContainText('WebGL context lost', { timeout: 60_000 });
  const text = (await notice.textContent())!;
  console.log(`notice: ${text}`);
  const m = /WebGL context lost (?:at iteration|during the validation after iteration) (\d+); continuing on WASM from iteration (\d+)\./.exec(text);
  expect(m, text).not.toBeNull();
  const [lostAt, from] = [Number(m![1]), Number(m![2])];
  expect(lostAt).toBeGreaterThanOrEqual(lostAfter);
  expect(from).toBeGreaterThanOrEqual(1);
  expect(from).toBeLessThanOrEqual(lostAt);
  await expect(page.getByTestId('train-status')).toContainText('wasm');

  // The run goes on and finishes: every one of the 16 iterations has its loss once (the rewound ones were re-run).
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('train-progress-iter')).toHaveAttribute('value', '16');
  expect(Number(await page.getByTestId('train-chart-loss').getAttribute('data-points'))).toBe(16);
  const log = (await page.getByTestId('train-log').textContent()) ?? '';
  console.log(log.split('\n').filter((l) => /lost|Load checkpoint|Epoch\(train\) \[1\]\[[1-4]\//.test(l)).join('\n'));
  expect(log).toContain(`WebGL context lost`);
  expect(log).toContain(`Load checkpoint from the state after iteration ${from} (in memory)`);
  expect(log).toMatch(/Epoch\(train\) \[2\]\[8\/8\]/);
  const losses = [...log.matchAll(/Epoch\(train\) \[2\]\[\d\/8\].*?loss: ([\d.]+)/g)].map((x) => Number(x[1]));
  expect(losses.length).toBeGreaterThanOrEqual(8);
  for (const l of losses) expect(l).toBeGreaterThan(0.1); // real losses, not a lost context's zeros
  await expect(page.getByTestId('train-checkpoints')).toContainText('epoch_2.pth');
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  expect(workerLog.some((l) => l.includes('debug-lose-backend: webgl lost through WEBGL_lose_context.loseContext()'))).toBe(true);
  await page.screenshot({ path: 'test-results/train-backend-lost.png', fullPage: true });

  // The tab stays usable: another run starts and finishes.
  await page.getByLabel('Training backend').selectOption('wasm');
  await page.getByLabel('cfg-options').fill(OPTIONS(1));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('train-backend-notice')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('WebGPU device destroyed mid-run: the run goes on on the next backend (WebGL) from the last iteration kept', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = recordPageErrors(page);
  await setup(page, 1);
  await page.getByLabel('Training backend').selectOption('webgpu');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('webgpu', { timeout: 120_000 });
  // SwiftShader compiles WebGPU's shaders slowly: the first iteration takes minutes.
  await expect.poll(() => iterDone(page), { timeout: 300_000, intervals: [1000] }).toBeGreaterThanOrEqual(1);
  await page.evaluate(() => (window as unknown as { __mmpwTrain: { loseBackend(): void } }).__mmpwTrain.loseBackend());
  const notice = page.getByTestId('train-backend-notice');
  await expect(notice).toContainText('WebGPU device lost', { timeout: 60_000 });
  const text = (await notice.textContent())!;
  console.log(`notice: ${text}`);
  expect(text).toMatch(/WebGPU device lost \(destroyed[^)]*\) (at iteration|during the validation after iteration) \d+; continuing on WebGL from iteration [1-4]\./);
  await expect(page.getByTestId('train-status')).toContainText('webgl');
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 120_000 });
  expect(Number(await page.getByTestId('train-chart-loss').getAttribute('data-points'))).toBe(4);
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  expect(errors).toEqual([]);
});
