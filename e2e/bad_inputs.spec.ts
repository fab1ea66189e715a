import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { gzipSync } from 'fflate';
import { createTar } from 'nanotar';
import { PyCall, pickle } from '../src/fileio/pickle/pickler';
import { pthWithPickle, smallPth } from '../src/testing/bad_inputs/checkpoints';
import { datasetCases } from '../src/testing/bad_inputs/datasets';
import { smallPng } from '../src/testing/bad_inputs/images';
import { goodScalars } from '../src/testing/bad_inputs/logs';
import { rawSafetensors } from '../src/testing/bad_inputs/safetensors';
import { dropModel, recordPageErrors, SHARED } from './helpers';

/**
 * A browser subset of the bad-input corpus (issue #16, `src/testing/bad_inputs/`): broken files dropped onto the
 * panels that read them show an error naming the file, the place and the problem, and the panel keeps working (a
 * valid file dropped next works; no page errors). The bad files are made at test time (the corpus's own cases, in
 * a temporary folder); the Model panel's forward past the WASM heap shows the model's size (`ui/engine/oom.ts`).
 */

const CFG = resolve(SHARED, 'reference/models/resnet18_cifar_w16_cfg.json');
const CKPT = resolve(SHARED, 'reference/models/resnet18_cifar_w16.safetensors');
const file = (name: string, bytes: Uint8Array | string, mimeType = 'application/octet-stream') => ({ name, mimeType, buffer: Buffer.from(bytes) });

/** The bytes of `path` in the files the corpus case `id` writes (made now, in a temporary folder). */
async function corpusFile(id: string, path: string): Promise<Uint8Array> {
  const c = datasetCases.find((x) => x.id === id);
  if (!c) throw new Error(`no corpus case ${id}`);
  const dir = mkdtempSync(join(tmpdir(), 'mmpw-bad-'));
  try {
    await c.make(dir);
    return new Uint8Array(readFileSync(join(dir, path)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
/** A CIFAR-10 binary batch of `n` records (label 0, black images): a valid file. */
const cifarBatch = (n: number) => new Uint8Array(3073 * n);

test('Config panel: syntax error, _base_ cycle and 10,000-deep nesting are reported at their line; a good file then loads', async ({ page }) => {
  const errors = recordPageErrors(page);
  await page.goto('/#/config');
  const input = page.getByTestId('config-file-input');
  const error = page.getByTestId('config-error');
  await input.setInputFiles(file('broken.py', "model = dict(\n    type='X',\n    depth=50 50)\n", 'text/x-python'));
  await expect(error).toContainText("configs/user/broken.py:3:14: expected ',' or ')' in the argument list");
  await input.setInputFiles([file('cyc_a.py', "_base_ = ['./cyc_b.py']\n", 'text/x-python'), file('cyc_b.py', "_base_ = ['./cyc_a.py']\n", 'text/x-python')]);
  await expect(error).toContainText('cycle in _base_');
  await input.setInputFiles(file('deep.py', `x = ${'['.repeat(10000)}${']'.repeat(10000)}\n`, 'text/x-python'));
  await expect(error).toContainText('configs/user/deep.py:1:');
  await expect(error).toContainText('too deeply nested');
  await input.setInputFiles(file('good.py', "model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10))\n", 'text/x-python'));
  await expect(error).toHaveCount(0);
  await expect(page.getByLabel('Merged config tree')).toContainText('LeNet5');
  expect(errors).toEqual([]);
});

test('Inference panel: truncated .pth, malicious pickle, lying safetensors header, broken images; the good model still runs', async ({ page }) => {
  test.skip(![CFG, CKPT].every(existsSync), `reference files absent under ${SHARED}`);
  const errors = recordPageErrors(page);
  await page.goto('/#/inference');
  await dropModel(page, 'inference', CFG, CKPT);
  await expect(page.getByTestId('inference-status')).toContainText('with resnet18_cifar_w16.safetensors', { timeout: 60_000 });
  const ckpt = page.getByTestId('inference-checkpoint');
  const error = page.getByTestId('inference-error');

  await ckpt.setInputFiles(file('cut.pth', smallPth().subarray(0, 1000)));
  await expect(error).toContainText('cut.pth: zip end-of-central-directory record not found', { timeout: 30_000 });
  await ckpt.setInputFiles(file('evil.pth', pthWithPickle(pickle(new PyCall('os', 'system', ['touch SENTINEL'])))));
  await expect(error).toContainText("evil.pth: archive/data.pkl: pickle uses the forbidden global 'os.system'", { timeout: 30_000 });
  await ckpt.setInputFiles(file('lie.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4, 2n ** 32n)));
  await expect(error).toContainText('lie.safetensors: safetensors header length 4294967296 exceeds the file', { timeout: 30_000 });

  await ckpt.setInputFiles(CKPT);
  await expect(page.getByTestId('inference-status')).toContainText('with resnet18_cifar_w16.safetensors', { timeout: 60_000 });
  await page.getByTestId('inference-images').setInputFiles([
    file('cut.png', smallPng().subarray(0, 60), 'image/png'),
    file('zero.png', new Uint8Array(0), 'image/png'),
    file('notes.png', 'hello, not an image', 'image/png'),
    file('good.png', smallPng(), 'image/png'),
  ]);
  const card = (name: string) => page.getByRole('article', { name: `result for ${name}` });
  await expect(card('cut.png').getByRole('alert')).toContainText('cut.png', { timeout: 30_000 });
  await expect(card('cut.png').getByRole('alert')).toContainText(/truncated|cannot decode/);
  await expect(card('zero.png').getByRole('alert')).toContainText('zero.png: the file is empty (0 bytes)', { timeout: 30_000 });
  await expect(card('notes.png').getByRole('alert')).toContainText('notes.png', { timeout: 30_000 });
  await expect(card('good.png').getByTestId('inference-bar')).toHaveCount(5, { timeout: 60_000 });
  expect(errors).toEqual([]);
});

test('Dataset panel: an IDX file with a wrong magic number is named with the numbers', async ({ page }) => {
  const errors = recordPageErrors(page);
  await page.goto('/#/dataset');
  const header = (magic: number, dims: number[], n: number): Uint8Array => {
    const b = new Uint8Array(4 + 4 * dims.length + n);
    const v = new DataView(b.buffer);
    v.setUint32(0, magic);
    dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
    return b;
  };
  await page.getByTestId('dataset-file-input').setInputFiles([
    file('t10k-images-idx3-ubyte', header(0x0d03, [2, 28, 28], 2 * 784)),
    file('t10k-labels-idx1-ubyte', header(0x801, [2], 2)),
  ]);
  const error = page.getByTestId('dataset-error');
  await expect(error).toContainText('t10k-images-idx3-ubyte', { timeout: 30_000 });
  await expect(error).toContainText('wrong IDX magic number 0x00000d03 (expected 0x00000803');
  expect(errors).toEqual([]);
});

test('Logs panel: a log with nothing usable is named with the problem; a good log then loads', async ({ page }) => {
  const errors = recordPageErrors(page);
  await page.goto('/#/logs');
  const input = page.getByLabel('Choose log files');
  await input.setInputFiles(file('garbage.json', Array.from({ length: 20 }, (_, i) => `garbage line ${i}`).join('\n'), 'application/json'));
  // the run is listed with no usable line, and the train-time table says so (the panel does not list skipped lines)
  await expect(page.getByRole('region', { name: 'Runs' })).toContainText('0 / 0', { timeout: 30_000 });
  await expect(page.getByRole('row', { name: /garbage: no training lines to time/ })).toBeVisible();
  await input.setInputFiles(file('good.json', goodScalars().join('\n') + '\n', 'application/json'));
  await expect(page.getByRole('region', { name: 'Runs' }).getByRole('checkbox', { name: /^show good/ })).toBeChecked({ timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('Model panel: a config with a syntax error is named with its line, a bad JSON with its position; a good config then shows its tree', async ({ page }) => {
  const errors = recordPageErrors(page);
  await page.goto('/#/model');
  const input = page.getByTestId('model-config');
  const error = page.getByTestId('model-error');
  await input.setInputFiles(file('broken.py', "model = dict(\n    type='ImageClassifier',\n    backbone=dict(type='LeNet5' num_classes=10))\n", 'text/x-python'));
  await expect(error).toContainText("configs/user/broken.py:3:33: expected ',' or ')' in the argument list, found 'num_classes'");
  await input.setInputFiles(file('bad.json', '{"type": "ImageClassifier",\n "backbone": {"type": "LeNet5",}}\n', 'application/json'));
  await expect(error).toContainText('bad.json: not valid JSON');
  await expect(error).toContainText('at position 59'); // the stray comma's closing brace
  // (one input channel: the preprocessor's mean has one value, as lenet5_mnist.py's)
  await input.setInputFiles(file('good.py', "model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10))\ndata_preprocessor = dict(mean=[33.46], std=[78.87])\n", 'text/x-python'));
  await expect(page.getByTestId('model-source')).toContainText('Config: good.py');
  await expect(page.getByTestId('model-totals')).toContainText('(1, 32, 32)', { timeout: 30_000 });
  await expect(error).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Model structure' })).toContainText('LeNet5', { timeout: 30_000 });
  await expect(page.getByTestId('model-totals')).toContainText(/61\.7\d*K/); // LeNet-5's 61,706 parameters
  expect(errors).toEqual([]);
});

test('Model panel: a forward too big for the WASM heap says the model\'s size; the panel then measures the model again', async ({ page }) => {
  test.skip(!existsSync(CFG), `reference files absent under ${SHARED}`);
  const errors = recordPageErrors(page);
  await page.goto('/#/model');
  await page.getByTestId('model-config').setInputFiles(CFG);
  await expect(page.getByTestId('model-totals')).toContainText('(3, 32, 32)', { timeout: 60_000 });
  // 8192 × 8192: the input is 805 MB, the stem's output (16 channels) 4.3 GB, more than the 4 GB heap
  await page.getByLabel('height', { exact: true }).fill('8192');
  await page.getByLabel('width', { exact: true }).fill('8192');
  const error = page.getByTestId('model-error');
  await expect(error).toContainText(/^resnet18_cifar_w16_cfg\.json: Out of memory running resnet18_cifar_w16_cfg \(ResNet_CIFAR\) \(701 k parameters ≈ 2\.8 MB of weights on WASM\); try a smaller batch or image size, CPU, or a smaller model\. \(tfjs: /, { timeout: 60_000 });
  await page.getByLabel('height', { exact: true }).fill('32');
  await page.getByLabel('width', { exact: true }).fill('32');
  await expect(error).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('model-totals')).toContainText('(3, 32, 32)');
  expect(errors).toEqual([]);
});

test('Dataset panel: a CIFAR batch of the wrong size and a tar with a ../ entry are named with the size and the entry; a good batch then loads', async ({ page }) => {
  const errors = recordPageErrors(page);
  await page.goto('/#/dataset');
  const input = page.getByTestId('dataset-file-input');
  const error = page.getByTestId('dataset-error');
  await input.setInputFiles(file('test_batch.bin', await corpusFile('dataset_cifar_size_6139', 'c/cifar-10-batches-bin/test_batch.bin')));
  await expect(error).toContainText('test_batch.bin: size 6139 bytes is not a multiple of the record size 3073 (1 label byte + 3072 pixels)', { timeout: 30_000 });
  await input.setInputFiles(file('cifar-10-binary.tar.gz', await corpusFile('dataset_tar_traversal_0', 'cifar-10-binary.tar.gz'), 'application/gzip'));
  await expect(error).toContainText("cifar-10-binary.tar.gz': entry 1 (header at byte 0) '../evil.bin' points outside the archive", { timeout: 30_000 });
  await input.setInputFiles(file('test_batch.bin', cifarBatch(3)));
  await expect(error).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('3 samples', { timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('Train panel: CIFAR archives with a batch of the wrong size or a ../ entry stop the run with the file and the entry; a good archive then trains', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = recordPageErrors(page);
  await page.goto('/#/train');
  await page.getByLabel('Config', { exact: true }).selectOption('configs/resnet/resnet18_8xb16_cifar10.py');
  // ResNet-18 at width 16 on 4 + 2 test images, one epoch
  await page.getByLabel('cfg-options').fill(
    [
      'train_cfg.max_epochs=1',
      'train_dataloader.dataset.split=test',
      'train_dataloader.dataset.indices=4',
      'train_dataloader.batch_size=2',
      'val_dataloader.dataset.indices=2',
      'val_dataloader.batch_size=2',
      'model.backbone.base_channels=16',
      'model.backbone.stem_channels=16',
      'model.head.in_channels=128',
      'default_hooks.logger.interval=1',
    ].join('\n'),
  );
  await expect(page.getByLabel('Dataset files the config expects')).toContainText('cifar-10-binary.tar.gz');
  await page.getByLabel('Training backend').selectOption('wasm');
  const drop = (bytes: Uint8Array) => page.getByTestId('train-dataset-input').setInputFiles(file('cifar-10-binary.tar.gz', bytes, 'application/gzip'));
  const train = page.getByRole('button', { name: 'Train', exact: true });
  const error = page.getByTestId('train-error');

  // a test_batch.bin of 6139 bytes inside the archive
  await drop(gzipSync(createTar([{ name: 'cifar-10-batches-bin/test_batch.bin', data: await corpusFile('dataset_cifar_size_6139', 'c/cifar-10-batches-bin/test_batch.bin') }])));
  await train.click();
  await expect(error).toContainText('test_batch.bin: size 6139 bytes is not a multiple of the record size 3073', { timeout: 60_000 });
  // an entry named ../evil.bin
  await drop(await corpusFile('dataset_tar_traversal_0', 'cifar-10-binary.tar.gz'));
  await train.click();
  await expect(error).toContainText("cifar-10-binary.tar.gz': entry 1 (header at byte 0) '../evil.bin' points outside the archive", { timeout: 60_000 });
  // a good archive: the run trains to the end
  await drop(gzipSync(createTar([{ name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBatch(4) }])));
  await train.click();
  await expect(page.getByTestId('train-finished')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('train-log')).toContainText('Epoch(train) [1][2/2]');
  await expect(error).toHaveCount(0);
  expect(errors).toEqual([]);
});
