/**
 * `window.__mmpwBench`: the browser half of the benchmarks, driven by `mmpretrain-web bench-browser` (Playwright) or
 * from the devtools console. On the page's active tfjs backend it times ResNet-18-CIFAR's forward (batch 1 and 32:
 * the first call, which compiles the shaders on GPU backends, then the steady rate) and a training step through the
 * Train panel's engine code (`ClassifierRunnerModel.trainStep` with the SGD `OptimWrapper`, WASM training kernels
 * registered as `buildRunner` does), within a time budget so a software GPU does not run for an hour. It reports the
 * GPU behind WebGPU / WebGL, marking a fallback (SwiftShader, llvmpipe) one as a CPU, not a real GPU.
 *
 * Rows are posted as they are measured to `window.__mmpwBenchReport` when the driver exposes it, so whatever was
 * measured survives a page the driver has to close at the budget.
 */
import { tf, wasmThreadCount, type AdapterReport } from '../backends';
import { detectWebGpuAdapter, namesSoftwareRenderer } from '../backends/adapter';
import { describeFastConv } from '../backends/wasm_conv/fast_conv';
import type { BenchRow } from '../cli/commands/bench-models';
import { registerTrainingKernels } from '../engine/kernels/register_training_kernels';
import { buildOptimWrapper } from '../engine/optimizers/default_constructor';
import { ClassifierRunnerModel } from '../engine/runner/classifier_model';
import { buildClassifier } from '../models/builder';
import { fuseConvBn } from '../models/utils/fuse_conv_bn';
import { registerAll } from '../engine/setup_env';

/** ResNet-18-CIFAR as `bench-models` / `bench-train` build it (10 classes, 32×32). */
const RESNET18_CIFAR = {
  type: 'ImageClassifier',
  backbone: { type: 'ResNet_CIFAR', depth: 18 },
  neck: { type: 'GlobalAveragePooling' },
  head: { type: 'LinearClsHead', num_classes: 10, in_channels: 512 },
};
const MODEL_NAME = 'ResNet-18-CIFAR';

/** What one backend's run measures. */
export interface BrowserBenchOptions {
  /** Forward batch sizes. Default: [1, 32]. */
  batches?: number[];
  /** Training-step batch size (0 skips the training step). Default: 32. */
  trainBatch?: number;
  /** Timed training steps after the first (fewer when the budget runs out). Default: 5. */
  trainSteps?: number;
  /** Time each steady forward rate for at least this long when the budget allows. Default: 2. */
  minSeconds?: number;
  /** Budget for the whole backend: later measurements are skipped (with a note) when they would not fit. Default: 120. */
  maxSeconds?: number;
  /** Fold conv+BN(+ReLU) for the forward rows, as `bench-models` does by default. Default: true. */
  fuse?: boolean;
}

/** The GPU (or its software stand-in) behind a backend. */
export interface GpuInfo {
  /** WebGPU's adapter (`adapter.info`), or null without WebGPU. */
  webgpu: AdapterReport | null;
  /** WebGL's `UNMASKED_RENDERER_WEBGL` (or `RENDERER`), or null without WebGL. */
  webglRenderer: string | null;
  webglSoftware: boolean;
  wasm: { simd: boolean; threads: number | null; conv: string | null };
  userAgent: string;
  cores: number;
}

export interface BrowserBenchResult {
  backend: string;
  rows: BenchRow[];
  notes: string[];
  /** Tensors left after the run (0 = nothing leaked). */
  tensorsLeaked: number;
  seconds: number;
}

export interface BenchHooks {
  gpuInfo(): Promise<GpuInfo>;
  /** Runs the measurements on the active backend (the page's `?backend=` choice). */
  run(options?: BrowserBenchOptions): Promise<BrowserBenchResult>;
}

declare global {
  interface Window {
    __mmpwBench?: BenchHooks;
    /** Set by the driver (`page.exposeFunction`): receives each row and note as soon as it is measured. */
    __mmpwBenchReport?: (event: { row?: BenchRow; note?: string }) => void;
  }
}

function webglRenderer(): string | null {
  try {
    const gl = (new OffscreenCanvas(1, 1).getContext('webgl2') ?? new OffscreenCanvas(1, 1).getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const r = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return r;
  } catch {
    return null;
  }
}

/** The adapters behind the GPU backends, and the WASM build in use. */
export async function gpuInfo(): Promise<GpuInfo> {
  const renderer = webglRenderer();
  return {
    webgpu: await detectWebGpuAdapter(),
    webglRenderer: renderer,
    webglSoftware: renderer !== null && namesSoftwareRenderer(renderer),
    wasm: { simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT').catch(() => false)), threads: await wasmThreadCount(), conv: describeFastConv(tf.findBackend('wasm')) },
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
  };
}

/** The runtime column: backend, the GPU behind it, and "fallback (CPU), not a real GPU" for a software one. */
export function runtimeLabel(backend: string, info: GpuInfo): string {
  const fallback = 'fallback (CPU), not a real GPU';
  if (backend === 'webgpu' && info.webgpu) {
    const a = info.webgpu;
    const name = [a.vendor, a.architecture || a.device || a.description].filter(Boolean).join(' ') || 'unnamed adapter';
    return `browser webgpu (${name}${a.isSoftware ? `, ${fallback}` : ''})`;
  }
  if (backend === 'webgl' && info.webglRenderer) {
    const name = /swiftshader/i.test(info.webglRenderer) ? 'SwiftShader' : info.webglRenderer.replace(/^ANGLE \((.*)\)$/, '$1');
    return `browser webgl (${name}${info.webglSoftware ? `, ${fallback}` : ''})`;
  }
  if (backend === 'wasm') return `browser wasm (${info.wasm.threads ?? 1} thread${info.wasm.threads === 1 || !info.wasm.threads ? '' : 's'}${info.wasm.simd ? ', SIMD' : ''}${info.wasm.conv ? `; ${info.wasm.conv}` : ''})`;
  return `browser ${backend}`;
}

/** Seconds since `t0` (ms). */
const since = (t0: number) => (performance.now() - t0) / 1000;

/** A uint8 CHW batch as the loaders give it, with labels (the Train panel's data path). */
function fakeBatch(batch: number) {
  return {
    inputs: Array.from({ length: batch }, (_, k) => ({ dtype: 'uint8', shape: [3, 32, 32], data: Uint8Array.from({ length: 3072 }, (_, i) => (i * 7 + k * 13) % 256) })),
    data_samples: Array.from({ length: batch }, (_, k) => ({ gt_label: [k % 10] })),
  };
}

/**
 * Times `step` (async: GPU backends read back with `data()`): the first call, then at least one more and as many as
 * fit in `minSeconds` (at most `maxRuns`) without passing `deadline`.
 */
async function timeSteps(step: () => Promise<void>, minSeconds: number, deadline: number, maxRuns: number): Promise<{ first: number; ms: number; runs: number; stoppedByBudget: boolean }> {
  let t0 = performance.now();
  await step();
  const first = performance.now() - t0;
  let runs = 0;
  t0 = performance.now();
  do {
    await step();
    runs++;
    if (performance.now() + (performance.now() - t0) / runs >= deadline) return { first, ms: (performance.now() - t0) / runs, runs, stoppedByBudget: runs < maxRuns };
  } while (runs < maxRuns && since(t0) < minSeconds);
  return { first, ms: (performance.now() - t0) / runs, runs, stoppedByBudget: false };
}

/** Runs the forward and training-step measurements on the active backend within `maxSeconds`. */
export async function runBrowserBench(options: BrowserBenchOptions = {}): Promise<BrowserBenchResult> {
  const { batches = [1, 32], trainBatch = 32, trainSteps = 5, minSeconds = 2, maxSeconds = 120, fuse = true } = options;
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  const backend = tf.getBackend();
  const info = await gpuInfo();
  const label = runtimeLabel(backend, info);
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const report = (e: { row?: BenchRow; note?: string }) => {
    if (e.row) rows.push(e.row);
    if (e.note) notes.push(e.note);
    window.__mmpwBenchReport?.(e);
  };
  const left = () => (deadline - performance.now()) / 1000;
  const tensorsBefore = tf.memory().numTensors;
  registerAll();
  if (backend === 'wasm') registerTrainingKernels('wasm');

  // Forward, eval mode, as bench-models: the first call per batch size (shader compile on GPU backends), then steady.
  const model = buildClassifier(RESNET18_CIFAR, { seed: 0 });
  model.eval();
  if (fuse) fuseConvBn(model);
  let steady32: number | null = null;
  try {
    let perImageMs: number | null = null;
    for (const batch of batches) {
      const estimate = perImageMs === null ? 0 : (perImageMs * batch) / 1000;
      if (perImageMs !== null && estimate * 2 > left()) {
        report({ note: `${backend}: forward batch ${batch} skipped: about ${estimate.toFixed(0)} s per call (linear from batch ${batches[0]}), ${Math.max(0, left()).toFixed(0)} s of the budget left; raise --max-seconds to measure it` });
        continue;
      }
      const x = tf.randomNormal([batch, 3, 32, 32], 0, 1, 'float32', 1);
      let timed: { first: number; ms: number };
      try {
        timed = await timeSteps(
          async () => {
            const y = model.call(x) as tf.Tensor;
            await y.data();
            y.dispose();
          },
          minSeconds,
          deadline,
          50,
        );
      } catch (e) {
        report({ note: `${backend}: forward batch ${batch} failed: ${e instanceof Error ? e.message : String(e)}` });
        continue;
      } finally {
        x.dispose();
      }
      const { first, ms } = timed;
      perImageMs = ms / batch;
      if (batch === 32) steady32 = ms;
      report({ row: { model: MODEL_NAME, runtime: `${label}${fuse ? ' (fused)' : ''}`, batch, first_ms: first, ms, img_per_s: (batch * 1000) / ms } });
    }
    if (steady32 === null && perImageMs !== null) steady32 = perImageMs * 32;
  } finally {
    model.dispose();
  }

  // A training step through the Train panel's engine code: preprocess, loss, gradients, SGD momentum update.
  if (trainBatch > 0) {
    // A backward pass costs about twice the forward: a step is estimated at 3× the forward; the first and one timed
    // step must fit in what is left of the budget.
    const estimate = steady32 === null ? null : (3 * steady32 * (trainBatch / 32)) / 1000;
    if (estimate !== null && estimate * 2 > left()) {
      report({ note: `${backend}: training step (batch ${trainBatch}) skipped: about ${estimate.toFixed(0)} s per step estimated (3× the forward), ${Math.max(0, left()).toFixed(0)} s of the budget left; raise --max-seconds to measure it` });
    } else {
      const trainModel = buildClassifier(RESNET18_CIFAR, { seed: 0 });
      const runnerModel = new ClassifierRunnerModel(trainModel);
      const optim = buildOptimWrapper(trainModel as never, { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, weight_decay: 1e-4 } });
      const data = fakeBatch(trainBatch);
      // The last parameter the optimizer updates: reading it back waits for the whole step on GPU backends.
      const lastParam = trainModel.namedParameters().at(-1)![1];
      const losses: number[] = [];
      runnerModel.train();
      try {
        // Every one of `trainSteps` steps unless the budget runs out (min-seconds does not cut a training measurement short).
        const { first, ms, runs, stoppedByBudget } = await timeSteps(
          async () => {
            losses.push((await runnerModel.trainStep(data, optim)).loss);
            await lastParam.data();
          },
          Infinity,
          deadline,
          trainSteps,
        );
        // A backend that stopped computing (a lost GPU device reads back zeros at once) must not pass for a fast one.
        const bad = losses.find((l) => !Number.isFinite(l) || l <= 0);
        if (bad !== undefined) {
          report({ note: `${backend}: training step not reported: the loss read back as ${bad} (losses ${losses.map((l) => l.toFixed(4)).join(', ')}): the backend stopped computing (a lost GPU device?)` });
        } else {
          report({ row: { model: MODEL_NAME, runtime: `${label}, train step`, batch: trainBatch, first_ms: first, ms, img_per_s: (trainBatch * 1000) / ms } });
          if (stoppedByBudget) report({ note: `${backend}: ${runs} timed training step${runs > 1 ? 's' : ''} of ${trainSteps} (the budget ran out)` });
        }
      } catch (e) {
        report({ note: `${backend}: training step failed: ${e instanceof Error ? e.message : String(e)}` });
      } finally {
        trainModel.dispose();
        optim.dispose();
      }
    }
  }
  return { backend, rows, notes, tensorsLeaked: tf.memory().numTensors - tensorsBefore, seconds: since(start) };
}

/** Installs `window.__mmpwBench` (called from `installTestHooks`). */
export function installBenchHooks(): void {
  window.__mmpwBench = { gpuInfo, run: runBrowserBench };
}
