import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { PyCall, pickle } from '../src/fileio/pickle/pickler';
import { pthWithPickle, smallPth } from '../src/testing/bad_inputs/checkpoints';
import { smallPng } from '../src/testing/bad_inputs/images';
import { goodScalars } from '../src/testing/bad_inputs/logs';
import { rawSafetensors } from '../src/testing/bad_inputs/safetensors';
import { dropModel, recordPageErrors, SHARED } from './helpers';

/**
 * A browser subset of the bad-input corpus (issue #16, `src/testing/bad_inputs/`): broken files dropped onto the
 * panels that read them show an error naming the file, the place and the problem, and the panel keeps working (a
 * valid file dropped next works; no page errors).
 */

const CFG = resolve(SHARED, 'reference/models/resnet18_cifar_w16_cfg.json');
const CKPT = resolve(SHARED, 'reference/models/resnet18_cifar_w16.safetensors');
const file = (name: string, bytes: Uint8Array | string, mimeType = 'application/octet-stream') => ({ name, mimeType, buffer: Buffer.from(bytes) });

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
