import { expect, test } from '@playwright/test';
import { recordPageErrors } from './helpers';

/** The built studio (vite build + preview) runs tfjs on every backend, with the same numbers, and WASM threads work. */

test('the page is cross-origin isolated and threaded WASM works after vite build', async ({ page }) => {
  const errors = recordPageErrors(page);
  await page.goto('/?backend=wasm#/diagnostics');
  const report = await page.evaluate(() => window.__mmpw!.backendReady());
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(report?.backend).toBe('wasm');
  // tfjs alone sizes XNNPACK's pool at half the logical cores (one thread on 2 cores); the studio uses them all (tfjs's cap is 8).
  const cores = await page.evaluate(() => Math.min(navigator.hardwareConcurrency, 8));
  expect(report?.wasmThreads).toBe(cores);
  await expect(page.getByTestId('status-backend')).toContainText(`wasm (${cores} ${cores === 1 ? 'thread' : 'threads'})`);
  // The pthread workers run from the stringified factory: a broken build would hang or throw here.
  const parity = await page.evaluate(() => window.__mmpw!.runOpOnAllBackends(['wasm', 'cpu']));
  expect(parity.results[0]!.error).toBeUndefined();
  expect(parity.maxAbsDiff).toBeLessThan(1e-4);
  expect(errors).toEqual([]);
});

test('conv2d + matMul give the same numbers on webgpu (SwiftShader), webgl, wasm and cpu', async ({ page }) => {
  await page.goto('/?backend=cpu#/diagnostics');
  await page.evaluate(() => window.__mmpw!.backendReady());
  const parity = await page.evaluate(() => window.__mmpw!.runOpOnAllBackends(['webgpu', 'webgl', 'wasm', 'cpu']));
  for (const r of parity.results) {
    expect(r.error, `${r.backend}: ${r.error}`).toBeUndefined();
    expect(r.values!.length).toBe(256);
    expect(r.maxAbsDiff!, r.backend).toBeLessThan(1e-4);
  }
  expect(parity.results.map((r) => r.backend)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  // Not a trivial output: the check would notice a backend returning zeros.
  expect(parity.results[0]!.values!.filter((v) => Math.abs(v) > 0.05).length).toBeGreaterThan(50);
  expect(await page.evaluate(() => window.__mmpw!.memory()!.numTensors)).toBe(0);
});

test('the automatic choice measures SwiftShader against WASM and picks WASM', async ({ page }) => {
  await page.goto('/#/config');
  const report = await page.evaluate(() => window.__mmpw!.backendReady());
  expect(report!.adapter?.isSoftware).toBe(true);
  expect(report!.source).toBe('benchmark');
  expect(Object.keys(report!.timings).sort()).toEqual(['wasm', 'webgl', 'webgpu']);
  expect(report!.backend).toBe('wasm');
  await expect(page.getByTestId('status-adapter')).toContainText('(software)');
  // A stopped GPU warm-up finishes in the background and frees its tensors.
  await expect.poll(() => page.evaluate(() => window.__mmpw!.memory()?.numTensors), { timeout: 60_000 }).toBe(0);
  // Remembered: a reload on the same adapter does not measure again.
  await page.reload();
  const again = await page.evaluate(() => window.__mmpw!.backendReady());
  expect(again!.source).toBe('remembered');
  // The user's override from the status bar wins and is remembered.
  await page.getByLabel('Backend choice').selectOption('cpu');
  await expect(page.getByTestId('status-backend')).toContainText('cpu');
  await page.reload();
  // #/config loads no tfjs by itself: the remembered choice applies once the backends start.
  await expect(page.getByTestId('status-backend')).toContainText('not loaded');
  expect((await page.evaluate(() => window.__mmpw!.backendReady()))!.source).toBe('user');
  await expect(page.getByTestId('status-backend')).toContainText('cpu');
  expect(await page.evaluate(() => window.__mmpw!.backend())).toBe('cpu');
});

test('backends start in a Web Worker too: WASM and WebGL match CPU there', async ({ page }) => {
  await page.goto('/?backend=cpu#/diagnostics');
  await page.evaluate(() => window.__mmpw!.backendReady());
  const wasm = await page.evaluate(() => window.__mmpw!.checkWorker('wasm'));
  expect(wasm, wasm.error).toMatchObject({ ok: true, backend: 'wasm' });
  expect(wasm.wasmThreads).toBeGreaterThanOrEqual(1);
  expect(wasm.maxAbsDiff!).toBeLessThan(1e-4);
  const webgl = await page.evaluate(() => window.__mmpw!.checkWorker('webgl'));
  expect(webgl, webgl.error).toMatchObject({ ok: true, backend: 'webgl' });
  expect(webgl.maxAbsDiff!).toBeLessThan(1e-4);
});
