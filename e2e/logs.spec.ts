import { expect, test } from '@playwright/test';
import { SHARED } from './helpers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Logs panel (analyze_logs.py plot_curve / cal_train_time) on real MMPretrain scalars.json logs. */

const LOGS = join(SHARED, 'data', 'logs');
const FILES = ['duanbo320__openmmlab_camp.json', 'kv-chiu__Fruit-Classification.json'].map((f) => join(LOGS, f));

test('two dropped logs give two series; smoothing changes them; exports download files', async ({ page }) => {
  test.skip(!FILES.every((f) => existsSync(f)), `real logs not found in ${LOGS} (../shared beside the checkout)`);
  await page.goto('/#/logs');
  await page.getByLabel('Choose log files').setInputFiles(FILES);
  const runs = page.getByRole('region', { name: 'Runs' });
  // Each run is listed with a show/hide box and an editable name.
  await expect(runs.getByRole('checkbox', { name: /^show duanbo320__openmmlab_camp/ })).toBeChecked();
  await expect(runs.getByRole('checkbox', { name: /^show kv-chiu__Fruit-Classification/ })).toBeChecked();

  // The train loss chart holds one series per log.
  const keys = page.getByRole('region', { name: 'Keys' });
  const lossBox = keys.getByRole('group', { name: 'Train' }).getByLabel('loss', { exact: true });
  if (!(await lossBox.isChecked())) await lossBox.check();
  const chart = page.locator('figure.logs-chart', { hasText: 'loss' }).first();
  await expect(chart).toHaveAttribute('data-series-count', '2');

  const csv = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'CSV', exact: true }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    return readFileSync((await download.path())!, 'utf8');
  };
  await page.getByLabel('Smoothing').selectOption('none');
  const raw = await csv();
  await page.getByLabel('Smoothing').selectOption('ema');
  const smoothed = await csv();
  expect(smoothed).not.toBe(raw);
  expect(raw.split('\n').length).toBeGreaterThan(10);

  // cal_train_time for each log: the real tool printed "average iter time: 0.1232 s/iter" for the first.
  const times = page.getByRole('region', { name: 'Train time' });
  await expect(times.getByRole('row', { name: /duanbo320__openmmlab_camp/ })).toContainText('0.1232');

  const [svg] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'SVG', exact: true }).click()]);
  expect(readFileSync((await svg.path())!, 'utf8')).toContain('<svg');
});
