/**
 * `mmpretrain-web bench-gemm`: how near the WASM matrix product runs to what WebAssembly's SIMD allows here, beside
 * PyTorch's. Three figures: the ceiling (a register-only loop of independent 128-bit fused multiply-adds, one
 * thread, times the thread count: no memory, no loads), the project's product (`tf.matMul(x, Wᵀ)`, a Linear layer:
 * the fast convolutions' SIMD GEMM on WASM) on the transformer / MLP shapes of the zoo benchmarks, and PyTorch's
 * `F.linear` on the same shapes and threads (its BLAS named). GEMM-bound models cannot pass ceiling / PyTorch.
 * A benchmark, not a test: numbers vary per machine.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { tf } from '../../backends/tf';
import { useBackend } from '../../models/node';
import { defaultWasmThreads } from '../../backends/node_wasm_threads';
import { findPython } from '../python';
import { UsageError, type CliCommand } from '../command';
import { textTable, torchEnv } from './bench-models';

/** [M, K, N]: DeiT-S / ViT-B / MLP-Mixer-B products at batch 16 (tokens × features) and ViT-B's at batch 1. */
const SHAPES: Record<string, [number, number, number]> = {
  'ViT-B fc1, batch 16': [3152, 768, 3072],
  'ViT-B fc2, batch 16': [3152, 3072, 768],
  'ViT-B qkv, batch 16': [3152, 768, 2304],
  'Mixer-B token mix, batch 16': [12288, 196, 384],
  'DeiT-S fc1, batch 16': [3152, 384, 1536],
  'ViT-B fc1, batch 1': [197, 768, 3072],
};

/** The text of a module whose `run(n, x)` does n iterations of `acc` independent 4-lane fused multiply-adds. */
function fmaLoopWat(acc: number): string {
  const names = Array.from({ length: acc }, (_, i) => `$c${i}`);
  const sum = names.slice(1).reduce((e, a) => `(f32x4.add ${e} (local.get ${a}))`, `(local.get ${names[0]})`);
  return `(module (func (export "run") (param $n i32) (param $x f32) (result f32) (local $b v128) ${names.map((a) => `(local ${a} v128)`).join(' ')}
  (local.set $b (f32x4.splat (local.get $x)))
  (loop $l
    ${names.map((a) => `(local.set ${a} (f32x4.relaxed_madd (local.get $b) (local.get $b) (local.get ${a})))`).join('\n    ')}
    (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
  (f32x4.extract_lane 0 ${sum})))`;
}

/** GFLOP/s of one thread's register-only FMA loop (the best of a few accumulator counts), or null without wabt. */
async function fmaCeiling(): Promise<number | null> {
  let wabt;
  try {
    wabt = await (await import('wabt')).default();
  } catch {
    return null;
  }
  let best = 0;
  for (const acc of [8, 10, 12]) {
    const module = wabt.parseWat('fma.wat', fmaLoopWat(acc), { simd: true, relaxed_simd: true });
    const bytes = module.toBinary({}).buffer;
    module.destroy();
    const instance = await WebAssembly.instantiate(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
    const run = instance.exports.run as (n: number, x: number) => number;
    run(1e6, 0.5);
    const n = Math.floor(3e8 / acc);
    const t0 = performance.now();
    run(n, 0.999);
    best = Math.max(best, (n * acc * 8) / (performance.now() - t0) / 1e6);
  }
  return best;
}

/** Median ms of `run` over at least `seconds` (and 5 runs), after two warm-up runs. */
function medianMs(run: () => void, seconds: number): number {
  run();
  run();
  const times: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || times.length < 5) {
    const s = performance.now();
    run();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

const TORCH_GEMM = String.raw`
import json, os, sys, time, torch
torch.set_num_threads(int(os.environ.get('MMPRETRAIN_WEB_TORCH_THREADS', '2')))
seconds = float(sys.argv[2])
for m, k, n in json.loads(sys.argv[1]):
    a, w = torch.randn(m, k), torch.randn(n, k)
    torch.nn.functional.linear(a, w); torch.nn.functional.linear(a, w)
    ts, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < seconds or len(ts) < 5:
        s = time.perf_counter(); torch.nn.functional.linear(a, w); ts.append((time.perf_counter() - s) * 1000)
    ts.sort(); print(json.dumps(ts[len(ts) // 2]), flush=True)
`;

const usage = `Usage: mmpretrain-web bench-gemm [--seconds S] [--no-torch] [--json]

The WebAssembly SIMD ceiling here (register-only 128-bit FMA loop × threads), the WASM product x·Wᵀ on the zoo's
transformer / MLP shapes, and PyTorch's F.linear on the same shapes and threads (median of at least S seconds each,
default 2).`;

const command: CliCommand = {
  summary: 'WASM SIMD ceiling vs the WASM and PyTorch matrix products on transformer / MLP shapes (GFLOP/s)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '2' }, 'no-torch': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
    const seconds = Number(values.seconds);
    if (!(seconds > 0)) throw new UsageError(`--seconds must be a positive number, got '${values.seconds}'`);
    await useBackend('wasm');
    const threads = defaultWasmThreads();
    const perThread = await fmaCeiling();
    const rows = Object.entries(SHAPES).map(([name, [m, k, n]]) => {
      const a = tf.randomNormal([m, k]);
      const w = tf.randomNormal([n, k]);
      const ms = medianMs(() => {
        const y = tf.matMul(a, w, false, true);
        y.dataSync();
        y.dispose();
      }, seconds);
      tf.dispose([a, w]);
      return { name, m, k, n, wasm_gflops: (2 * m * k * n) / ms / 1e6, torch_gflops: null as number | null };
    });
    const notes: string[] = [];
    const py = values['no-torch'] ? null : findPython('torch');
    if (py) {
      const r = spawnSync(py, ['-c', TORCH_GEMM, JSON.stringify(rows.map((r) => [r.m, r.k, r.n])), String(seconds)], { encoding: 'utf8', env: torchEnv() });
      if (r.status === 0) r.stdout.trim().split('\n').forEach((l, i) => (rows[i]!.torch_gflops = (2 * rows[i]!.m * rows[i]!.k * rows[i]!.n) / Number(l) / 1e6));
      else notes.push(`PyTorch run failed: ${(r.stderr || '').trim().split('\n').pop()}`);
    } else if (!values['no-torch']) notes.push('PyTorch not available (install Debian python3-torch to compare)');
    const ceiling = perThread === null ? null : perThread * threads;
    if (values.json) {
      io.out(JSON.stringify({ threads, fma_ceiling_gflops: ceiling, rows, notes }, null, 2));
      return 0;
    }
    io.out(ceiling === null ? 'WASM SIMD ceiling: not measured (wabt, a dev dependency, is not installed)' : `WASM SIMD ceiling: ${perThread!.toFixed(1)} GFLOP/s a thread (128-bit FMA, registers only) × ${threads} threads = ${ceiling.toFixed(1)} GFLOP/s`);
    const head = ['product (M×K·K×N)', 'shape', 'WASM GFLOP/s', 'of ceiling', 'PyTorch GFLOP/s', 'WASM / PyTorch', 'ceiling / PyTorch'];
    const body = rows.map((r) => [
      r.name,
      `${r.m}×${r.k}·${r.k}×${r.n}`,
      r.wasm_gflops.toFixed(1),
      ceiling ? `${((100 * r.wasm_gflops) / ceiling).toFixed(0)}%` : '',
      r.torch_gflops?.toFixed(1) ?? '',
      r.torch_gflops ? `${(r.wasm_gflops / r.torch_gflops).toFixed(2)}×` : '',
      r.torch_gflops && ceiling ? `${(ceiling / r.torch_gflops).toFixed(2)}×` : '',
    ]);
    io.out(textTable(head, body));
    for (const n of notes) io.out(n);
    return 0;
  },
};

export default command;
