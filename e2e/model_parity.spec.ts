import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { recordPageErrors, SHARED } from './helpers';

/**
 * Model-level parity with MMPretrain 1.2.0 in real Chromium, on every browser backend (WebGPU and WebGL run on
 * SwiftShader here: real, slow). For each reference model of `shared/reference/models`, the page loads the checkpoint
 * and `_io.npz` (served from `shared/` by a test route, never copied into the repo), runs the model through the
 * engine (`window.__mmpw.modelParity`) and every stored output (backbone stages, neck, logits, pred_score, the
 * uint8 → data preprocessor → logits path) must match within 1e-3 (absolute, or relative for |x| > 1).
 */

const MODELS_DIR = resolve(SHARED, 'reference/models');
const ROUTE = '/__reference__/models/';
const TOL = 1e-3;
const BACKENDS = ['webgpu', 'webgl', 'wasm'] as const;

/** Each model on each backend; the checkpoint format alternates so both readers run in the browser for every model. */
const CASES: { name: string; formats: Record<(typeof BACKENDS)[number], '.safetensors' | '.pth'> }[] = [
  { name: 'lenet5', formats: { webgpu: '.safetensors', webgl: '.pth', wasm: '.pth' } },
  { name: 'resnet18_cifar_w16', formats: { webgpu: '.safetensors', webgl: '.pth', wasm: '.safetensors' } },
  { name: 'resnet50_w8', formats: { webgpu: '.pth', webgl: '.safetensors', wasm: '.pth' } },
];

/** Serves `shared/reference/models/<file>` under {@link ROUTE} for this page only. */
async function serveReferenceModels(page: Page): Promise<void> {
  await page.route(`**${ROUTE}*`, async (route) => {
    const file = decodeURIComponent(new URL(route.request().url()).pathname.slice(ROUTE.length));
    const path = resolve(MODELS_DIR, file);
    if (file.includes('/') || !existsSync(path)) return route.fulfill({ status: 404, body: `${file}: not in ${MODELS_DIR}` });
    await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: readFileSync(path) });
  });
}

/**
 * The slowest case: resnet50_w8 on WebGPU/SwiftShader takes about 50 s on a quiet machine (first forward 24 s, shader
 * compilation included, then 4.9 s per batch-2 forward) and up to 150 s on a loaded one; it gets a longer limit.
 * Everything else takes under 25 s per case.
 */
const SLOW = new Set(['resnet50_w8 webgpu']);

for (const c of CASES) {
  const files = ['_cfg.json', '_io.npz', '.pth', '.safetensors'].map((s) => resolve(MODELS_DIR, `${c.name}${s}`));
  for (const backend of BACKENDS) {
    const ext = c.formats[backend];
    test(`${c.name}${ext} on ${backend}: every stored output within ${TOL}`, async ({ page }) => {
      test.skip(!files.every(existsSync), `reference files absent under ${MODELS_DIR} (set MMPRETRAIN_WEB_SHARED)`);
      test.setTimeout(SLOW.has(`${c.name} ${backend}`) ? 420_000 : 180_000);
      const errors = recordPageErrors(page);
      await serveReferenceModels(page);
      await page.goto('/?backend=cpu#/diagnostics');
      await page.evaluate(() => window.__mmpw!.backendReady());
      const urls = { cfg: `${ROUTE}${c.name}_cfg.json`, checkpoint: `${ROUTE}${c.name}${ext}`, io: `${ROUTE}${c.name}_io.npz` };
      const t0 = Date.now();
      const r = await page.evaluate(({ urls, backend }) => window.__mmpw!.modelParity(urls, backend), { urls, backend });
      const line = Object.entries(r.errors).map(([k, v]) => `${k}=${v.toExponential(2)}`).join(' ');
      console.log(
        `[model-parity] ${c.name}${ext} on ${r.backend}: ${line}; first forward ${r.firstForwardMs.toFixed(0)} ms, ` +
          `then ${r.forwardMs.toFixed(0)} ms (batch 2); ${((Date.now() - t0) / 1000).toFixed(1)} s in all`,
      );
      expect(r.backend).toBe(backend);
      expect(r.report, 'load report').toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
      // Every output the reference stores was compared (none silently left out).
      const expected = ['backbone_out_0', 'logits', 'pred_score', 'preproc_out', 'logits_from_uint8', ...(c.name === 'lenet5' ? [] : ['neck_out_0'])];
      expect(Object.keys(r.errors).sort()).toEqual(expected.sort());
      for (const [k, v] of Object.entries(r.errors)) expect.soft(v, `${c.name} ${k} on ${backend}`).toBeLessThan(TOL);
      expect(r.predLabelsMatch, 'pred_label').toBe(true);
      expect(r.tensorLeak, 'tensors left by a forward pass').toBe(0);
      expect(await page.evaluate(() => window.__mmpw!.memory()!.numTensors)).toBe(0);
      expect(errors).toEqual([]);
    });
  }
}
