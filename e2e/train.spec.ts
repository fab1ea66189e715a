import { expect, test, type Page } from '@playwright/test';
import { SHARED } from './helpers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Train panel: LeNet-5 (lenet5_mnist.py, made tiny with cfg-options) trained in the worker on WASM from the
 * dropped MNIST test files; the loss chart updates, checkpoints are listed; a reload mid-run offers to resume from
 * the last checkpoint and the run continues from there.
 */
const MNIST = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => join(SHARED, 'data/mnist', f));
const haveMnist = MNIST.every(existsSync);

/** Both loaders on the MNIST test split (the train files are not needed), 64 + 32 images, batch 16. */
const OPTIONS = (epochs: number) =>
  [
    `train_cfg.max_epochs=${epochs}`,
    'train_dataloader.dataset.test_mode=True',
    'train_dataloader.dataset.indices=64',
    'train_dataloader.batch_size=16',
    'val_dataloader.dataset.indices=32',
    'val_dataloader.batch_size=16',
    'default_hooks.logger.interval=1',
  ].join('\n');

function mnistFiles() {
  return MNIST.map((p) => ({ name: p.split('/').pop()!, mimeType: 'application/gzip', buffer: readFileSync(p) }));
}

async function setup(page: Page, epochs: number) {
  await page.goto('/#/train');
  await page.getByLabel('Config', { exact: true }).selectOption('configs/lenet/lenet5_mnist.py');
  await page.getByLabel('cfg-options').fill(OPTIONS(epochs));
  await expect(page.getByLabel('Dataset files the config expects')).toContainText('t10k-images-idx3-ubyte.gz');
  await page.getByTestId('train-dataset-input').setInputFiles(mnistFiles());
  await expect(page.getByTestId('train-dataset-files')).toContainText('2 files');
}

test.skip(!haveMnist, `MNIST test files are absent (${MNIST.join(', ')}): ../shared/data/mnist is expected beside the checkout`);

test('trains LeNet-5 on WASM in the worker: loss chart, validation, confusion matrix, checkpoints', async ({ page }) => {
  test.setTimeout(120_000);
  await setup(page, 2);
  await page.getByLabel('Training backend').selectOption('wasm');
  // The page stays responsive while the worker trains: the longest gap between 20 ms timer ticks is recorded.
  await page.evaluate(() => {
    const w = window as unknown as { __maxGap: number };
    w.__maxGap = 0;
    let last = performance.now();
    setInterval(() => {
      const t = performance.now();
      w.__maxGap = Math.max(w.__maxGap, t - last);
      last = t;
    }, 20);
  });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('wasm');
  // The loss curve grows while the run goes (8 iterations in all).
  await expect.poll(async () => Number(await page.getByTestId('train-chart-loss').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 60_000 });
  expect(Number(await page.getByTestId('train-chart-loss').getAttribute('data-points'))).toBe(8);
  await expect(page.getByTestId('train-progress-iter')).toHaveAttribute('value', '8');
  await expect(page.getByTestId('train-progress-epoch-iter')).toHaveAttribute('value', '4');
  // A finished run is not offered for resuming.
  await expect(page.getByRole('region', { name: 'Runs to resume' })).toHaveCount(0);
  await expect(page.getByTestId('train-checkpoints')).toContainText('epoch_1.pth');
  await expect(page.getByTestId('train-checkpoints')).toContainText('epoch_2.pth');
  await expect(page.getByTestId('train-val-metrics')).toContainText('accuracy/top1');
  await expect(page.getByLabel('Confusion matrix')).toContainText('0 - zero');
  await expect(page.getByTestId('train-log')).toContainText('Epoch(train) [2][4/4]');
  const maxGap = await page.evaluate(() => (window as unknown as { __maxGap: number }).__maxGap);
  console.log(`longest main-thread timer gap while training: ${maxGap.toFixed(0)} ms`);
  expect(maxGap).toBeLessThan(1500);
  await page.screenshot({ path: 'test-results/train-panel.png', fullPage: true });

  // The checkpoint downloads from browser storage as a PyTorch zip archive.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-checkpoints').getByRole('button', { name: 'download' }).last().click()]);
  expect(download.suggestedFilename()).toBe('epoch_2.pth');
  const bytes = readFileSync((await download.path())!);
  expect(bytes.subarray(0, 2).toString()).toBe('PK');

  // Resume from the downloaded checkpoint (load_from + --resume): the run continues in epoch 3.
  await page.getByLabel('Checkpoint to load').setInputFiles({ name: 'epoch_2.pth', mimeType: 'application/octet-stream', buffer: bytes });
  await page.getByLabel(/resume from it/).check();
  await page.getByLabel('cfg-options').fill(OPTIONS(3));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('resumed from load_from/epoch_2.pth');
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('train-log')).toContainText('Epoch(train) [3][4/4]');
  await expect(page.getByTestId('train-checkpoints')).toContainText('epoch_3.pth');

  // Every work dir in browser storage is listed with its checkpoints.
  await page.getByText(/^Work dirs in browser storage/).click();
  await expect(page.getByLabel('Work dirs in browser storage')).toContainText('epoch_3.pth');

  // The run is in the Logs panel.
  await page.goto('/#/logs');
  await expect(page.getByRole('tabpanel')).toContainText('lenet5_mnist');
});

test('trains LeNet-5 on WebGPU in the worker (SwiftShader here): every step and the validation read back, no device lost', async ({ page }) => {
  test.setTimeout(240_000);
  await setup(page, 1);
  await page.getByLabel('Training backend').selectOption('webgpu');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 200_000 });
  const log = (await page.getByTestId('train-log').textContent()) ?? '';
  // Four iterations with real losses (a lost device reads back zeros or NaN), then the validation metric.
  const losses = [...log.matchAll(/Epoch\(train\) \[1\]\[\d\/4\].*?loss: ([\d.]+)/g)].map((m) => Number(m[1]));
  expect(losses.length).toBe(4);
  for (const l of losses) expect(l).toBeGreaterThan(0.1);
  expect(log).toMatch(/Epoch\(val\) \[1\]\[2\/2\]\s+accuracy\/top1: [\d.]+/);
  expect(log).not.toMatch(/lost|CONTEXT_LOST/i);
  await expect(page.getByTestId('train-checkpoints')).toContainText('epoch_1.pth');
});

/**
 * Starts a 100-image LeNet run with survival.pth every 5 iterations (4 an epoch: the checkpoints fall inside epochs)
 * and no epoch checkpoint to compete with it (CheckpointHook every 1000 epochs), and waits for the survival
 * checkpoint of iteration 10 or later: an interruption then is always offered from survival.pth.
 */
async function startSurvivingRun(page: Page): Promise<void> {
  await setup(page, 100);
  await page.getByLabel('cfg-options').fill(`${OPTIONS(100)}\nsurvival_checkpoint.interval_iters=5\ndefault_hooks.checkpoint.interval=1000`);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-survival')).toContainText(/iteration (1\d|[2-9]\d)/, { timeout: 60_000 });
}

/**
 * Clicks the offer "Resume run lenet5_mnist from iteration k" (k ≥ 10) and checks that the run resumes from
 * survival.pth and goes on past k rather than from 0 (the losses of an interrupted and resumed run equal the
 * uninterrupted one's exactly: src/engine/runner/survival.test.ts). The panel keeps the last 400 log lines, which
 * this fast run can pass before a check, so the check is on the progress the worker reports.
 */
async function resumeFromSurvival(page: Page): Promise<void> {
  const resume = page.getByRole('region', { name: 'Runs to resume' }).getByRole('button', { name: /^Resume run lenet5_mnist from iteration \d+$/ });
  await expect(resume).toBeVisible({ timeout: 30_000 });
  const k = Number(/iteration (\d+)/.exec((await resume.textContent())!)![1]);
  expect(k).toBeGreaterThanOrEqual(10);
  await resume.click();
  await expect(page.getByTestId('train-status')).toContainText('resumed from survival.pth');
  await expect.poll(async () => Number(await page.getByTestId('train-progress-iter').getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(k);
}

test('a reload mid-run offers to resume from the survival checkpoint (dataset kept in storage), and the run continues at the next iteration', async ({ page }) => {
  test.setTimeout(120_000);
  await startSurvivingRun(page);
  await expect(page.getByTestId('status-worker-tensors')).toHaveText(/^\d+$/);
  await page.reload();
  const offer = page.getByRole('region', { name: 'Runs to resume' });
  await expect(offer).toContainText('lenet5_mnist');
  // The dropped files were copied into the work dir: no new drop needed.
  await expect(offer).toContainText('with the dataset copy kept in storage');
  await resumeFromSurvival(page);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('paused', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('stopped', { timeout: 60_000 });
});

test('the worker killed mid-step: the last survival checkpoint is offered and the run goes on from it', async ({ page }) => {
  test.setTimeout(120_000);
  await startSurvivingRun(page);
  // terminate() the worker wherever it is (inside a step, as likely as not): the e2e build's hook, as "End now" does
  await page.evaluate(() => window.__mmpwTrain!.kill());
  await expect(page.getByTestId('train-status')).toContainText('failed');
  await expect(page.getByTestId('train-error')).toContainText('the run was ended (worker terminated); the last saved checkpoint is kept');
  await resumeFromSurvival(page);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('train-status')).toContainText('stopped', { timeout: 60_000 });
});

test('bad input: a wrong cfg-option is shown at its line; an exploding loss stops with the iteration and the last good checkpoint', async ({ page }) => {
  test.setTimeout(90_000);
  await setup(page, 30);
  await page.getByLabel('cfg-options').fill(`${OPTIONS(30)}\nnot an option`);
  await expect(page.getByRole('alert')).toContainText('--cfg-options:8');
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();
  await page.getByLabel('cfg-options').fill(`${OPTIONS(30)}\noptim_wrapper.optimizer.lr=1e30\noptim_wrapper.optimizer.momentum=0`);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const error = page.getByTestId('train-error');
  await expect(error).toContainText('Training stopped: invalid loss', { timeout: 60_000 });
  await expect(error).toContainText(/Iteration \d+, epoch \d+\./);
  // The page is alive and the next run can start.
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
});

const LENET_PTH = join(SHARED, 'reference/models/lenet5.pth');
const LENET_URL = 'https://download.openmmlab.com/mmclassification/v0/lenet/lenet5_mnist_20230101-abcdef01.pth';

test('fine-tuning: a Pretrained backbone init_cfg asks for its checkpoint (a failed download says why), loads the dropped file with the prefix and shows the report', async ({ page }) => {
  test.skip(!existsSync(LENET_PTH), `${LENET_PTH} is absent`);
  test.setTimeout(120_000);
  // No network in tests: the download is refused as a browser refuses a cross-origin read.
  await page.route('https://download.openmmlab.com/**', (route) => route.abort('failed'));
  await setup(page, 1);
  const pretrainedOptions = ['model.backbone.init_cfg.type=Pretrained', `model.backbone.init_cfg.checkpoint=${LENET_URL}`, 'model.backbone.init_cfg.prefix=backbone'];
  await page.getByLabel('cfg-options').fill(`${OPTIONS(1)}\n${pretrainedOptions.join('\n')}`);
  const region = page.getByRole('region', { name: 'Pretrained checkpoints' });
  await expect(region).toContainText('model.backbone.init_cfg');
  await expect(region).toContainText("prefix 'backbone'");
  await expect(region).toContainText(LENET_URL);
  // Training does not start silently without the weights.
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();
  await expect(page.getByTestId('train-pretrained-needed')).toContainText(LENET_URL);
  await region.getByRole('button', { name: 'Download', exact: true }).click();
  await expect(page.getByTestId('train-pretrained-error')).toContainText(/could not download .*(CORS|offline)/);
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();
  // "Train from scratch" is an explicit choice that enables the start; the file is the other way.
  await region.getByLabel(/train from scratch/).check();
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
  await region.getByLabel(/train from scratch/).uncheck();
  await region.getByLabel(`Pretrained checkpoint file for ${LENET_URL}`).setInputFiles({ name: 'lenet5.pth', mimeType: 'application/octet-stream', buffer: readFileSync(LENET_PTH) });
  await expect(page.getByTestId('train-pretrained-chosen')).toContainText('lenet5.pth');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const report = page.getByTestId('train-pretrained-report');
  await expect(report).toContainText('backbone ← lenet5.pth (prefix backbone): 10 tensors loaded', { timeout: 60_000 });
  await expect(report).toContainText('Every weight of the model came from the pretrained checkpoints.');
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('train-log')).toContainText(`load backbone in model from: ${LENET_URL}`);
  await expect(page.getByTestId('train-log')).toContainText('Epoch(train) [1][4/4]');
  await page.screenshot({ path: 'test-results/train-pretrained.png', fullPage: true });
});

test('fine-tuning: a checkpoint URL that allows cross-origin reads downloads, is cached, and is offered from the offline cache after a reload', async ({ page }) => {
  test.skip(!existsSync(LENET_PTH), `${LENET_PTH} is absent`);
  test.setTimeout(90_000);
  // A server that sends CORS headers (download.openmmlab.com does not): the page may read the file.
  await page.route('https://download.openmmlab.com/**', (route) =>
    route.fulfill({ status: 200, body: readFileSync(LENET_PTH), headers: { 'content-type': 'application/octet-stream', 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' } }),
  );
  const options = `${OPTIONS(1)}\nmodel.backbone.init_cfg.type=Pretrained\nmodel.backbone.init_cfg.checkpoint=${LENET_URL}\nmodel.backbone.init_cfg.prefix=backbone`;
  await setup(page, 1);
  await page.getByLabel('cfg-options').fill(options);
  const region = page.getByRole('region', { name: 'Pretrained checkpoints' });
  await region.getByRole('button', { name: 'Download', exact: true }).click();
  const name = LENET_URL.split('/').pop()!;
  await expect(page.getByTestId('train-pretrained-chosen')).toContainText(`${name} (`);
  await expect(page.getByTestId('train-pretrained-chosen')).toContainText('downloaded');
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
  await page.reload();
  await setup(page, 1);
  await page.getByLabel('cfg-options').fill(options);
  await expect(page.getByTestId('train-pretrained-chosen')).toContainText('from the offline checkpoint cache');
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
});

test('fine-tuning: a Pretrained init_cfg without its prefix loads nothing, and the report says so with the unexpected keys', async ({ page }) => {
  test.skip(!existsSync(LENET_PTH), `${LENET_PTH} is absent`);
  test.setTimeout(90_000);
  await setup(page, 1);
  await page.getByLabel('cfg-options').fill(`${OPTIONS(1)}\nmodel.backbone.init_cfg.type=Pretrained\nmodel.backbone.init_cfg.checkpoint=checkpoints/lenet5.pth`);
  const region = page.getByRole('region', { name: 'Pretrained checkpoints' });
  await expect(region).toContainText('prefix None');
  // A local path: no download offered, the file is dropped.
  await expect(region.getByRole('button', { name: 'Download', exact: true })).toHaveCount(0);
  await region.getByLabel('Pretrained checkpoint file for checkpoints/lenet5.pth').setInputFiles({ name: 'lenet5.pth', mimeType: 'application/octet-stream', buffer: readFileSync(LENET_PTH) });
  // A software GPU (SwiftShader here) is named when a GPU backend is picked for training.
  await page.getByLabel('Training backend').selectOption('webgpu');
  await expect(page.getByTestId('train-software-gpu')).toContainText('software fallback', { timeout: 60_000 });
  await page.getByLabel('Training backend').selectOption('wasm');
  await expect(page.getByTestId('train-software-gpu')).toHaveCount(0);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const report = page.getByTestId('train-pretrained-report');
  await expect(report).toContainText('backbone ← lenet5.pth: 0 tensors loaded', { timeout: 60_000 });
  await expect(report.getByRole('alert')).toContainText('Nothing was loaded from lenet5.pth');
  await expect(report).toContainText('unexpected key in source state_dict: backbone.features.0.weight');
  await expect(report).toContainText('missing keys in source state_dict: features.0.weight');
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 60_000 });
});
