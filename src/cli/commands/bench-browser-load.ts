/**
 * `mmpretrain-web bench-browser-load`: the memory of a large checkpoint's way through the studio in real Chromium,
 * as a user takes it: the Model Zoo panel downloads it from a hub (a local one here, serving the file under a
 * metafile-like path with CORS and HTTP Range) into the Origin Private File System, then "Use in Inference" streams
 * the stored file into the model's tensors in the engine worker. The summed resident memory of every Chromium
 * process is sampled throughout; each phase's peak growth is set against the file's size. The checkpoint is the
 * model's own (built from its MMPretrain config, seed 0, saved as a Runner saves one); ViT-L/16 by default (1.2 GB).
 * A benchmark, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalHub, sha256Hex } from '../../apis/hub/local_hub';
import { useBackend } from '../../models/node';
import type { BrowserContext } from '@playwright/test';
import { launchPersistentChromium, studioAt, type ServedStudio } from '../browser_studio';
import { descendantPids, RssSampler } from '../proc_memory';
import { UsageError, type CliCommand } from '../command';
import { LOAD_ONLY, ZOO_BENCH, zooCheckpoint } from './bench-zoo';

const MB = 1 << 20;
const PHASE_TIMEOUT_MS = 15 * 60_000;

export interface BrowserLoadRow {
  model: string;
  backend: string;
  file_mb: number;
  /** Peak growth of Chromium's summed resident memory while the Zoo panel downloaded the file into OPFS, MB. */
  download_peak_mb: number;
  download_s: number;
  /** Peak growth while "Use in Inference" built the model and streamed the stored file into it, MB. */
  load_peak_mb: number;
  /** Growth that stays once loaded (the model's weights and the runtime), MB. */
  loaded_mb: number;
  load_s: number;
}

const usage = `Usage: mmpretrain-web bench-browser-load [options]

A large checkpoint through the studio in Chromium: the Model Zoo panel downloads it from a local hub into the
Origin Private File System, then "Use in Inference" loads it into the model; prints the peak growth of Chromium's
resident memory in each phase against the file's size.

  --model KEY      ${[...Object.keys(LOAD_ONLY), ...Object.keys(ZOO_BENCH)].join(', ')} (default vit_l16)
  --backend B      the studio's backend for the load: wasm, webgpu, webgl, cpu (default wasm)
  --url URL        use a studio already served there (e2e build; skips the build and the preview server)
  --chromium PATH  Chromium binary (default $CHROMIUM_PATH or /usr/bin/chromium)
  --json           print the row as JSON`;

const command: CliCommand = {
  summary: 'A large checkpoint (ViT-L, 1.2 GB) downloaded into OPFS and loaded in Chromium: peak memory against the file size',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string', default: 'vit_l16' },
        backend: { type: 'string', default: 'wasm' },
        url: { type: 'string' },
        chromium: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const key = values.model!;
    const spec = LOAD_ONLY[key] ?? ZOO_BENCH[key];
    if (!spec) throw new UsageError(`unknown model '${key}' (choose from ${[...Object.keys(LOAD_ONLY), ...Object.keys(ZOO_BENCH)].join(', ')})`);
    const backend = values.backend!;
    if (!['wasm', 'webgpu', 'webgl', 'cpu'].includes(backend)) throw new UsageError(`unknown backend '${backend}' (choose from wasm, webgpu, webgl, cpu)`);
    const log = (s: string) => (values.json ? undefined : io.err(s));

    log(`writing ${spec.name}'s checkpoint (${spec.config}, seed 0)…`);
    await useBackend('wasm');
    const bytes = zooCheckpoint(spec.config);
    const sha256 = sha256Hex(bytes);
    const file = `${key}_bench-browser-load-${sha256.slice(0, 8)}.pth`;
    const urlPath = `/mmpretrain/v1.0/bench/${file}`;
    const name = `${key}_bench-browser-load`;
    const hub = await new LocalHub().start();
    hub.cors = true;
    hub.chunkBytes = 1 << 20;
    hub.serve(urlPath, bytes);

    // a profile on disk: a fresh context's Origin Private File System would hold the file in memory
    const profile = mkdtempSync(join(tmpdir(), 'mmpretrain-web-profile-'));
    // Chromium's processes are this one's descendants (Playwright starts it); the set is read again each tick
    const sampler = new RssSampler(() => descendantPids(process.pid)).start();
    let served: ServedStudio | null = null;
    let context: BrowserContext | null = null;
    try {
      served = await studioAt(values.url, log);
      context = await launchPersistentChromium(profile, values.chromium);
      const page = await context.newPage();
      await page.goto(`${served.url}/?backend=${backend}#/zoo`);
      await page.getByLabel('search models').waitFor({ timeout: 60_000 });
      await page.evaluate(
        ({ name, config, weights }) => window.__mmpwZoo!.addModel({ name, config, weights, collection: 'bench' }),
        { name, config: `configs/${spec.config}`, weights: `https://download.openmmlab.com${urlPath}` },
      );
      await page.getByLabel('search models').fill(name);
      await page.getByRole('button', { name, exact: true }).click();
      await page.getByLabel('hub URL').fill(hub.base());
      await page.waitForTimeout(1000); // the page settles: its idle memory is the base

      log(`downloading ${file} (${(bytes.length / MB).toFixed(0)} MB) through the Model Zoo panel…`);
      const downloadBase = sampler.mark();
      let t0 = performance.now();
      await page.getByRole('button', { name: 'Download', exact: true }).click();
      await page.getByTestId('zoo-have').filter({ hasText: `stored: ${file}` }).waitFor({ timeout: PHASE_TIMEOUT_MS });
      const downloadPeak = sampler.peak - downloadBase;
      const downloadS = (performance.now() - t0) / 1000;
      const info = (await page.getByTestId('zoo-info').textContent()) ?? '';
      if (!info.includes(`sha256 ${sha256}`)) throw new Error(`the panel reports '${info}', not sha256 ${sha256}`);
      await page.waitForTimeout(1000);

      log(`loading it in the Inference panel (${backend})…`);
      const loadBase = sampler.mark();
      t0 = performance.now();
      await page.getByRole('button', { name: 'Use in Inference' }).click();
      const status = page.getByTestId('inference-status');
      await status.filter({ hasText: `with ${file}` }).waitFor({ timeout: PHASE_TIMEOUT_MS });
      const loadS = (performance.now() - t0) / 1000;
      const loadPeak = sampler.peak - loadBase;
      await page.waitForTimeout(1000);
      const loaded = sampler.now() - loadBase;
      const statusText = ((await status.textContent()) ?? '').trim();
      if (!statusText.includes(`on ${backend}`)) log(`note: the panel says '${statusText}'`);

      const row: BrowserLoadRow = {
        model: spec.name,
        backend,
        file_mb: bytes.length / MB,
        download_peak_mb: downloadPeak / MB,
        download_s: downloadS,
        load_peak_mb: loadPeak / MB,
        loaded_mb: loaded / MB,
        load_s: loadS,
      };
      if (values.json) io.out(JSON.stringify(row, null, 2));
      else {
        const x = (mb: number) => `${mb.toFixed(0)} MB (${(mb / row.file_mb).toFixed(2)}× the file)`;
        io.out(`${row.model}: checkpoint ${row.file_mb.toFixed(0)} MB, Chromium ${context.browser()?.version() ?? ''}, backend ${backend}; the panel: ${statusText}`);
        io.out(`  download into OPFS (Model Zoo panel): ${row.download_s.toFixed(1)} s, peak growth ${x(row.download_peak_mb)}`);
        io.out(`  load into the model (Inference panel): ${row.load_s.toFixed(1)} s, peak growth ${x(row.load_peak_mb)}, ${x(row.loaded_mb)} held once loaded`);
        io.out('  (summed resident memory of every Chromium process, sampled every 25 ms, over the idle page before each phase)');
      }
    } finally {
      sampler.stop();
      await context?.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
      await served?.close();
      await hub.stop();
    }
    return 0;
  },
};

export default command;
