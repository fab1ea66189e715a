import { expect, test } from '@playwright/test';
import { recordPageErrors } from './helpers';

const PANELS = [
  ['inference', 'Inference', '1'],
  ['dataset', 'Dataset', '2'],
  ['train', 'Train', '3'],
  ['cam', 'CAM', '4'],
  ['schedule', 'Schedule', '5'],
  ['logs', 'Logs', '6'],
  ['config', 'Config', '7'],
  ['model', 'Model', '8'],
  ['zoo', 'Model Zoo', '0'],
] as const;

test('the studio loads with its tabs, the Config panel and a status bar', async ({ page }) => {
  const errors = recordPageErrors(page);
  await page.goto('/');
  await expect(page).toHaveTitle(/mmpretrain-web/);
  await expect(page.getByRole('tab')).toHaveCount(PANELS.length);
  await expect(page.getByRole('tab', { name: /Config/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toBeVisible();
  // The Config panel computes nothing with tfjs: the backend is not loaded, and no WASM binary was fetched.
  await expect(page.getByTestId('status-backend')).toContainText('not loaded');
  expect(await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.wasm')).map((r) => r.name))).toEqual([]);
  // A panel that does (Inference) loads tfjs, picks the backend and the memory counters start.
  await page.getByRole('tab', { name: /Inference/ }).click();
  await expect(page.getByTestId('status-backend')).not.toContainText(/choosing|not loaded/, { timeout: 60_000 });
  await expect(page.getByTestId('status-tensors')).toHaveText(/^\d+$/);
  expect(errors).toEqual([]);
});

test('every panel renders from its route', async ({ page }) => {
  const errors = recordPageErrors(page);
  for (const [id, title] of PANELS) {
    await page.goto(`/#/${id}`);
    await expect(page.getByRole('tab', { name: title, exact: true })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tabpanel').getByRole('heading', { level: 2 }).first()).toBeVisible();
    await expect(page.getByRole('tabpanel')).not.toContainText('This panel failed');
  }
  expect(errors).toEqual([]);
});

test('panels are reachable by keyboard: Alt+digit, arrow keys in the tab list, Tab into the panel', async ({ page }) => {
  await page.goto('/#/config');
  await expect(page.getByRole('tab', { name: /Config/ })).toHaveAttribute('aria-selected', 'true');
  for (const [id, title, key] of PANELS) {
    await page.keyboard.press(`Alt+${key}`);
    await expect(page).toHaveURL(new RegExp(`#/${id}$`));
    const tab = page.getByRole('tab', { name: title, exact: true });
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await expect(tab).toBeFocused();
  }
  // Model Zoo (last) → ArrowRight wraps to Inference; End → Model Zoo; ArrowLeft twice → Model, Config.
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/#\/inference$/);
  await page.keyboard.press('End');
  await expect(page).toHaveURL(/#\/zoo$/);
  await page.keyboard.press('ArrowLeft');
  await expect(page).toHaveURL(/#\/model$/);
  await page.keyboard.press('ArrowLeft');
  await expect(page).toHaveURL(/#\/config$/);
  await expect(page.getByRole('tab', { name: /Config/ })).toBeFocused();
  // Only the selected tab is in the tab order; Tab moves on into the page.
  await expect(page.getByRole('tab', { name: /Config/ })).toHaveAttribute('tabindex', '0');
  await expect(page.locator('[role=tab][tabindex="0"]')).toHaveCount(1);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('tab', { name: /Config/ })).not.toBeFocused();
  expect(await page.evaluate(() => document.activeElement?.closest('[role=tablist]'))).toBeNull();
});
