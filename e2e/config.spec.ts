import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAILING_IN_MMPRETRAIN } from '../src/testing/shipped_configs';

/** The Config panel: shipped configs, dropped files and folders, live cfg-options, errors at their line, download. */

const SHIPPED = 'configs/resnet/resnet18_8xb16_cifar10.py';

async function pythonText(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Python', exact: true }).click();
  return (await page.getByTestId('config-python').textContent()) ?? '';
}

function pyFile(name: string, text: string) {
  return { name, mimeType: 'text/x-python', buffer: Buffer.from(text) };
}

/** Dispatches a real `drop` event with a DataTransfer holding the files (as a drag from the desktop would). */
async function dropFiles(page: Page, files: { name: string; text: string }[]) {
  const dataTransfer = await page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([f.text], f.name, { type: 'text/x-python' }));
    return dt;
  }, files);
  await page.getByTestId('config-dropzone').dispatchEvent('drop', { dataTransfer });
}

test('a shipped config loads, merges its bases, follows cfg-options live and downloads', async ({ page }) => {
  await page.goto('/#/config');
  const chooser = page.getByLabel('Config file', { exact: true });
  await expect(chooser).toHaveValue(SHIPPED);
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByLabel('Name explained')).toContainText('8 GPUs × 16 images per GPU');
  await expect(panel.getByLabel('Merged config tree')).toContainText('ResNet_CIFAR');
  expect(await pythonText(page)).toMatch(/^model = dict\(/m);
  const files = await page.getByTestId('config-files-read').textContent();
  expect(files).toContain('configs/_base_/models/resnet18_cifar.py');
  expect(files).toContain('configs/_base_/default_runtime.py');

  await page.getByRole('button', { name: 'Tree', exact: true }).click();
  await page.getByLabel('Find a key or value').fill('optimizer lr');
  await expect(page.getByLabel('Matching keys')).toContainText('optim_wrapper.optimizer.lr = 0.1');
  await page.getByRole('button', { name: 'Override optim_wrapper.optimizer.lr' }).click();
  await expect(page.getByLabel(/--cfg-options/)).toHaveValue('optim_wrapper.optimizer.lr=0.1');
  await expect(page.getByLabel(/--cfg-options/)).toBeFocused();
  await page.getByLabel('Find a key or value').fill('');
  await page.getByRole('button', { name: 'Python', exact: true }).click();

  await page.getByLabel(/--cfg-options/).fill('model.head.num_classes=100\ntrain_dataloader.batch_size=64');
  await expect(page.getByTestId('config-python')).toContainText('num_classes=100');
  const stored = await page.evaluate(() => window.__mmpw!.config());
  expect(stored.path).toBe(SHIPPED);
  expect((stored.config as { model: { head: { num_classes: number } } }).model.head.num_classes).toBe(100);
  expect((stored.config as { train_dataloader: { batch_size: number } }).train_dataloader.batch_size).toBe(64);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download/ }).click()]);
  expect(download.suggestedFilename()).toBe('resnet18_8xb16_cifar10.py');
  const text = readFileSync((await download.path())!, 'utf8');
  expect(text).toContain('num_classes=100');
  expect(text).toMatch(/^train_dataloader = dict\(/m);

  // A bad option names its line in the box.
  await page.getByLabel(/--cfg-options/).fill('model.head.num_classes=100\nnot-an-option');
  await expect(page.getByTestId('config-error')).toContainText('--cfg-options:2:1');
});

test('dropped files: a config with its base, picked with the file picker', async ({ page }) => {
  await page.goto('/#/config');
  await page.getByTestId('config-file-input').setInputFiles([
    pyFile('my_model.py', "model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10), head=dict(type='ClsHead'))\n"),
    pyFile('lenet5_custom_mnist.py', "_base_ = ['./my_model.py']\nmodel = dict(backbone=dict(num_classes=7))\ntrain_cfg = dict(by_epoch=True, max_epochs=5)\n"),
  ]);
  await expect(page.getByLabel('Config file', { exact: true })).toHaveValue('configs/user/lenet5_custom_mnist.py');
  await expect(page.getByLabel('Dropped files')).toContainText('configs/user/my_model.py');
  await expect(page.getByTestId('config-files-read')).toContainText('configs/user/my_model.py (yours)');
  const py = await pythonText(page);
  expect(py).toContain("type='LeNet5'");
  expect(py).toContain('num_classes=7');
  const stored = await page.evaluate(() => window.__mmpw!.config());
  expect(stored.path).toBe('configs/user/lenet5_custom_mnist.py');
  expect(stored.config).toMatchObject({ model: { backbone: { type: 'LeNet5', num_classes: 7 } }, train_cfg: { max_epochs: 5 } });
});

test('drag and drop: a config with its base, then a syntax error shown at its file line with a caret', async ({ page }) => {
  await page.goto('/#/config');
  await dropFiles(page, [
    { name: 'base_model.py', text: "model = dict(type='ImageClassifier', head=dict(type='LinearClsHead', num_classes=3))\n" },
    { name: 'exp.py', text: "_base_ = './base_model.py'\nmodel = dict(head=dict(topk=(1, )))\n" },
  ]);
  await expect(page.getByLabel('Config file', { exact: true })).toHaveValue('configs/user/exp.py');
  expect(await pythonText(page)).toContain('topk=(1, )');

  await dropFiles(page, [{ name: 'broken.py', text: "_base_ = './base_model.py'\nmodel = dict(\n    head=dict(num_classes=))\n" }]);
  await expect(page.getByLabel('Config file', { exact: true })).toHaveValue('configs/user/broken.py');
  const error = page.getByTestId('config-error');
  await expect(error).toContainText('configs/user/broken.py:3:');
  await expect(error.locator('pre')).toContainText('3 |     head=dict(num_classes=))');
  await expect(error.locator('.caret')).toHaveText('^');
  // The store keeps the last valid config while the file is broken.
  expect((await page.evaluate(() => window.__mmpw!.config())).path).toBe('configs/user/exp.py');
});

test('a picked folder keeps its own _base_ tree', async ({ page }) => {
  const root = join(mkdtempSync(join(tmpdir(), 'mmpw-')), 'myproj');
  mkdirSync(join(root, '_base_', 'models'), { recursive: true });
  mkdirSync(join(root, 'lenet'));
  writeFileSync(join(root, '_base_', 'models', 'lenet5.py'), "model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10))\n");
  writeFileSync(join(root, 'lenet', 'lenet5_fast_mnist.py'), "_base_ = ['../_base_/models/lenet5.py']\ntrain_cfg = dict(max_epochs=2)\n");
  writeFileSync(join(root, 'notes.txt'), 'not a config');
  await page.goto('/#/config');
  await page.getByTestId('config-folder-input').setInputFiles(root);
  await expect(page.getByLabel('Config file', { exact: true })).toHaveValue('configs/myproj/lenet/lenet5_fast_mnist.py');
  await expect(page.getByLabel('Dropped files')).toContainText('configs/myproj/_base_/models/lenet5.py');
  await expect(page.getByLabel('Dropped files')).not.toContainText('notes.txt');
  const py = await pythonText(page);
  expect(py).toContain("type='LeNet5'");
  expect(py).toMatch(/max_epochs=2/);
});

test('every shipped config merges in the panel without an error', async ({ page }) => {
  await page.goto('/#/config');
  const chooser = page.getByLabel('Config file', { exact: true });
  await expect(chooser).toHaveValue(SHIPPED);
  const paths = await chooser.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(paths.length).toBeGreaterThanOrEqual(10);
  expect(paths.some((p) => p.includes('/_base_/'))).toBe(false);
  for (const path of paths) {
    await chooser.selectOption(path);
    // The few that MMPretrain cannot load either (an mmdet base, a missing test_pipeline) say why, as there.
    if (path in FAILING_IN_MMPRETRAIN) {
      await expect(page.getByTestId('config-error'), path).toContainText(FAILING_IN_MMPRETRAIN[path]);
      continue;
    }
    await expect(page.getByTestId('config-files-read'), path).toContainText(path);
    await expect(page.getByTestId('config-error'), path).toHaveCount(0);
  }
});
