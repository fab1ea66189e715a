import { resolve } from 'node:path';
import type { Page } from '@playwright/test';

/** `../shared` beside the checkout (or `MMPRETRAIN_WEB_SHARED`): the reference files and data the specs read. */
export const SHARED = process.env.MMPRETRAIN_WEB_SHARED ?? resolve(process.cwd(), '../shared');

/** Collects the page's uncaught errors; a spec ends with `expect(errors).toEqual([])`. */
export function recordPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Gives a panel a model: its config and checkpoint file inputs (`<panel>-config`, `<panel>-checkpoint`). */
export async function dropModel(page: Page, panel: 'cam' | 'inference', config: string, checkpoint: string): Promise<void> {
  await page.getByTestId(`${panel}-config`).setInputFiles(config);
  await page.getByTestId(`${panel}-checkpoint`).setInputFiles(checkpoint);
}
