import { expect, test } from '@playwright/test';

/** Refreshes the README's screenshot (`public/screenshot.png`): `SCREENSHOT=1 npx playwright test e2e/screenshot.spec.ts`. */
test.skip(!process.env.SCREENSHOT, 'set SCREENSHOT=1 to refresh public/screenshot.png');

test('screenshot of the Config panel', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 760 });
  await page.goto('/#/config');
  await page.evaluate(() => window.__mmpw!.backendReady());
  await expect(page.getByTestId('status-backend')).not.toContainText('choosing');
  await page.getByLabel(/--cfg-options/).fill('model.head.num_classes=100');
  await expect(page.getByLabel('Merged config tree')).toBeVisible();
  await expect(page.getByTestId('status-tensors')).toHaveText('0', { timeout: 60_000 });
  await page.screenshot({ path: 'public/screenshot.png', type: 'png' });
});
