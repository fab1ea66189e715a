/**
 * `mmpretrain-web bench-browser`: the browser half of the benchmarks. Builds the studio (`vite build` into a temporary
 * folder) and serves it (`vite preview`, cross-origin isolated so WASM runs threaded), starts Chromium (the same binary
 * and flags as the Playwright tests: `--enable-unsafe-webgpu`, …) and, in a fresh page per backend (webgpu, webgl,
 * wasm), times ResNet-18-CIFAR's forward (batch 1 and 32: first call = shader compile, then steady img/s) and a
 * training step through the Train panel's engine code (`window.__mmpwBench`, `src/ui/benchHooks.ts`), each backend
 * within `--max-seconds`. Prints the WebGPU adapter (`adapter.info`: vendor, architecture, isFallbackAdapter) and the
 * WebGL renderer, and labels a software one (SwiftShader) "fallback (CPU), not a real GPU". A benchmark, not a test.
 */
import { parseArgs } from 'node:util';
import type { BrowserBenchOptions, BrowserBenchResult, GpuInfo } from '../../ui/benchHooks';
import { launchChromium, studioAt } from '../browser_studio';
import { UsageError, type CliCommand } from '../command';
import { table, type BenchRow } from './bench-models';

const BACKENDS = ['webgpu', 'webgl', 'wasm'] as const;

const usage = `Usage: mmpretrain-web bench-browser [options]

ResNet-18-CIFAR in real Chromium, per tfjs backend: forward (first call = shader compile, then steady img/s) and a
training step (the Train panel's engine code), with the WebGPU adapter / WebGL renderer named; a software adapter
(SwiftShader) is labelled "fallback (CPU), not a real GPU".

  --backends a,b       webgpu, webgl, wasm (default all three; one missing here is reported and skipped)
  --batches 1,32       forward batch sizes (default 1,32)
  --train-batch N      training-step batch size, 0 to skip (default 32)
  --train-steps N      timed training steps after the first (default 5; fewer when the budget runs out)
  --min-seconds S      time each steady forward rate for at least S seconds when the budget allows (default 2)
  --max-seconds S      budget per backend (default 120): measurements that would not fit are skipped with a note,
                       and a page still busy 60 s past it is closed (its finished rows are kept)
  --no-fuse            keep BatchNorm separate in the forward (default: folded, as bench-models)
  --url URL            use a studio already served there (skips the build and the preview server)
  --chromium PATH      Chromium binary (default $CHROMIUM_PATH or /usr/bin/chromium)
  --json               print {gpu, results, rows, notes} as JSON`;

/** The GPU lines above the table. */
export function describeGpus(info: GpuInfo): string[] {
  const fallback = 'fallback (CPU), not a real GPU';
  const a = info.webgpu;
  return [
    a
      ? `WebGPU adapter: vendor=${a.vendor || '?'} architecture=${a.architecture || '?'}${a.device ? ` device=${a.device}` : ''}${a.description ? ` description=${a.description}` : ''} isFallbackAdapter=${a.isFallbackAdapter}${a.isSoftware ? ` → ${fallback}` : ' → a real GPU'}`
      : 'WebGPU adapter: none (navigator.gpu missing or no adapter)',
    info.webglRenderer ? `WebGL renderer: ${info.webglRenderer}${info.webglSoftware ? ` → ${fallback}` : ''}` : 'WebGL: not available',
    `WASM: ${info.wasm.simd ? 'SIMD' : 'no SIMD'}, ${info.wasm.threads ?? 1} thread(s); ${info.cores} logical cores; ${info.userAgent}`,
  ];
}

function positive(name: string, v: string | undefined, allowZero = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${v}'`);
  return n;
}

const command: CliCommand = {
  summary: 'ResNet-18-CIFAR forward and training step in Chromium on WebGPU, WebGL and WASM (adapter named)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        backends: { type: 'string', default: BACKENDS.join(',') },
        batches: { type: 'string', default: '1,32' },
        'train-batch': { type: 'string', default: '32' },
        'train-steps': { type: 'string', default: '5' },
        'min-seconds': { type: 'string', default: '2' },
        'max-seconds': { type: 'string', default: '120' },
        'no-fuse': { type: 'boolean', default: false },
        url: { type: 'string' },
        chromium: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const backends = values.backends!.split(',').map((b) => b.trim());
    for (const b of backends) if (!(BACKENDS as readonly string[]).includes(b)) throw new UsageError(`unknown backend '${b}' (choose from ${BACKENDS.join(', ')})`);
    const batches = values.batches!.split(',').map(Number);
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`--batches must be positive integers, got '${values.batches}'`);
    const options: BrowserBenchOptions = {
      batches,
      trainBatch: Math.floor(positive('train-batch', values['train-batch'], true)),
      trainSteps: Math.max(1, Math.floor(positive('train-steps', values['train-steps']))),
      minSeconds: positive('min-seconds', values['min-seconds'], true),
      maxSeconds: positive('max-seconds', values['max-seconds']),
      fuse: !values['no-fuse'],
    };
    const log = (s: string) => (values.json ? undefined : io.err(s));
    const started = performance.now();

    const served = await studioAt(values.url, log);
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const results: (BrowserBenchResult | { backend: string; error: string })[] = [];
    let gpu: GpuInfo | null = null;
    let browser: import('@playwright/test').Browser | null = null;
    try {
      browser = await launchChromium(values.chromium);
      for (const backend of backends) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const got: { rows: BenchRow[]; notes: string[] } = { rows: [], notes: [] };
        await page.exposeFunction('__mmpwBenchReport', (e: { row?: BenchRow; note?: string }) => {
          if (e.row) got.rows.push(e.row);
          if (e.note) got.notes.push(e.note);
          if (e.row) log(`  ${e.row.runtime} batch ${e.row.batch}: first ${e.row.first_ms.toFixed(0)} ms, ${e.row.img_per_s.toFixed(1)} img/s`);
          if (e.note) log(`  ${e.note}`);
        });
        let watchdog: NodeJS.Timeout | undefined;
        try {
          await page.goto(`${served.url}/?backend=${backend}#/diagnostics`);
          const ready = await page.evaluate(async () => window.__mmpw!.backendReady());
          await page.waitForFunction(() => window.__mmpwBench !== undefined);
          gpu ??= await page.evaluate(() => window.__mmpwBench!.gpuInfo());
          if (ready?.backend !== backend) {
            const why = ready?.failed?.[backend as keyof typeof ready.failed] ?? 'not available in this browser';
            notes.push(`${backend}: skipped (${why}); the page runs ${ready?.backend ?? 'no backend'}`);
            results.push({ backend, error: String(why) });
            continue;
          }
          log(`${backend}: measuring (budget ${options.maxSeconds} s)…`);
          const graceMs = (options.maxSeconds! + 60) * 1000;
          const timeout = new Promise<'timeout'>((resolve) => (watchdog = setTimeout(() => resolve('timeout'), graceMs)));
          const outcome = await Promise.race([page.evaluate((o) => window.__mmpwBench!.run(o), options), timeout]);
          if (outcome === 'timeout') {
            got.notes.push(`${backend}: still busy ${options.maxSeconds! + 60} s after the start (a step longer than the budget): page closed, the rows measured before are kept`);
            results.push({ backend, error: 'over the budget' });
          } else {
            results.push(outcome);
            if (outcome.tensorsLeaked !== 0) got.notes.push(`${backend}: ${outcome.tensorsLeaked} tensors left after the run`);
          }
        } catch (e) {
          const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
          got.notes.push(`${backend}: failed: ${message}`);
          results.push({ backend, error: message });
        } finally {
          clearTimeout(watchdog);
          rows.push(...got.rows);
          notes.push(...got.notes);
          await context.close().catch(() => undefined);
        }
      }
    } finally {
      await browser?.close().catch(() => undefined);
      await served.close();
    }
    const seconds = (performance.now() - started) / 1000;
    if (values.json) io.out(JSON.stringify({ gpu, results, rows, notes, seconds }, null, 2));
    else {
      if (gpu) for (const line of describeGpus(gpu)) io.out(line);
      io.out('');
      io.out(table(rows));
      for (const n of notes) io.out(n);
      io.out(`(${seconds.toFixed(0)} s in all)`);
    }
    return 0;
  },
};

export default command;
