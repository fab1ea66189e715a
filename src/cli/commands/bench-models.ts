/**
 * `mmpretrain-web bench-models`: forward speed of ResNet-18-CIFAR (32×32) and ResNet-50 (224×224) on the tfjs
 * backends available in Node (WASM, CPU), batch 1 and 32, first-inference latency included; side by side with
 * PyTorch CPU on the same number of threads when `python3` can import torch. A benchmark, not a test: numbers vary per machine.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { tf, type Tensor } from '../../backends/tf';
import { buildClassifier } from '../../models/builder';
import { useBackend } from '../../models/node';
import { fuseConvBn } from '../../models/utils/fuse_conv_bn';
import { defaultWasmThreads } from '../../backends/node_wasm_threads';
import { wasmThreadCount } from '../../backends/register';
import { describeFastConv, fastConvs } from '../../backends/wasm_conv/fast_conv';
import { WINOGRAD_MODES, type WinogradMode } from '../../backends/wasm_conv/winograd';
import { findPython } from '../python';
import { UsageError, type CliCommand } from '../command';

interface BenchModel {
  name: string;
  size: number;
  cfg: Record<string, unknown>;
}

export const MODELS: Record<string, BenchModel> = {
  resnet18_cifar: {
    name: 'ResNet-18-CIFAR',
    size: 32,
    cfg: { type: 'ImageClassifier', backbone: { type: 'ResNet_CIFAR', depth: 18 }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 10, in_channels: 512 } },
  },
  resnet50: {
    name: 'ResNet-50',
    size: 224,
    cfg: { type: 'ImageClassifier', backbone: { type: 'ResNet', depth: 50 }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: 2048 } },
  },
};

/** One measured configuration. */
export interface BenchRow {
  model: string;
  runtime: string;
  batch: number;
  /** First forward (kernel setup, weight layout caches), ms. */
  first_ms: number;
  /** Mean of the timed forwards after warm-up, ms per batch. */
  ms: number;
  img_per_s: number;
}

const usage = `Usage: mmpretrain-web bench-models [options]

Forward throughput of ResNet-18-CIFAR (32×32) and ResNet-50 (224×224), eval mode, random weights.

  --models a,b        resnet18_cifar, resnet50 (default both)
  --batches 1,32      batch sizes (default 1,32)
  --backends wasm,cpu tfjs backends (default wasm; cpu runs only ResNet-18-CIFAR unless --cpu-all)
  --cpu-all           also run ResNet-50 on the (slow) CPU backend
  --no-fuse           keep BatchNorm separate (default: fold conv+BN+ReLU, as --fuse-conv-bn)
  --winograd a,b      WASM rows for each Winograd mode of our convolutions: auto, off, F2, F4 (default auto;
                      'auto,off' puts the direct path beside it in the same run)
  --min-seconds S     time each configuration for at least S seconds (default 3)
  --no-torch          skip the PyTorch CPU comparison
  --json              print rows as JSON`;

export function timeForward(run: () => void, minSeconds: number): { first: number; mean: number } {
  let t0 = performance.now();
  run();
  const first = performance.now() - t0;
  // Warm-up: the first runs also grow the WASM heap and fault its pages in (seconds at batch 32 here).
  t0 = performance.now();
  for (let w = 0; w < 2 || (w < 8 && performance.now() - t0 < 1000 * Math.min(minSeconds, 2)); w++) run();
  let n = 0;
  t0 = performance.now();
  do {
    run();
    n++;
  } while (performance.now() - t0 < minSeconds * 1000 && n < 50);
  return { first, mean: (performance.now() - t0) / n };
}

async function benchTfjs(key: string, backend: string, batches: number[], fuse: boolean, minSeconds: number, winograd: WinogradMode): Promise<BenchRow[]> {
  await useBackend(backend);
  const fast = fastConvs.get(tf.backend());
  if (fast) fast.winograd = winograd;
  const spec = MODELS[key];
  const model = buildClassifier(spec.cfg, { seed: 0 });
  model.eval();
  if (fuse) fuseConvBn(model);
  const rows: BenchRow[] = [];
  for (const batch of batches) {
    const x = tf.randomNormal([batch, 3, spec.size, spec.size], 0, 1, 'float32', 1);
    const { first, mean } = timeForward(() => {
      const y = model.call(x) as Tensor;
      y.dataSync();
      y.dispose();
    }, minSeconds);
    x.dispose();
    rows.push({ model: spec.name, runtime: `${await tfjsRuntimeLabel(backend)}${fuse ? ' (fused)' : ''}`, batch, first_ms: first, ms: mean, img_per_s: (batch * 1000) / mean });
  }
  model.dispose();
  return rows;
}

/** The environment for the PyTorch side: as many threads as XNNPACK gets (`defaultWasmThreads`). */
export function torchEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MMPRETRAIN_WEB_TORCH_THREADS: String(defaultWasmThreads()) };
}

/** `tfjs wasm (2 threads; conv: FMA, 2 threads, Winograd auto)`: the backend and, for WASM, XNNPACK's thread count and the fast convolutions. */
export async function tfjsRuntimeLabel(backend: string): Promise<string> {
  const threads = backend === 'wasm' ? await wasmThreadCount() : null;
  const conv = backend === 'wasm' ? describeFastConv(tf.findBackend('wasm')) : null;
  const parts = [threads ? `${threads} ${threads === 1 ? 'thread' : 'threads'}` : null, conv].filter(Boolean);
  return `tfjs ${backend}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}

/** The same two networks in plain PyTorch (torchvision's layout), on as many threads as tfjs's WASM (`torchEnv()`): `specs[key] = (name, module, size)`. */
export const TORCH_RESNETS = String.raw`
import json, os, sys, time, torch, torch.nn as nn
THREADS = int(os.environ.get('MMPRETRAIN_WEB_TORCH_THREADS', '2'))
torch.set_num_threads(THREADS)
class Basic(nn.Module):
    expansion = 1
    def __init__(s, i, o, st):
        super().__init__()
        s.c1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.b1 = nn.BatchNorm2d(o)
        s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(o)
        s.d = nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o)) if st != 1 or i != o else None
    def forward(s, x):
        y = torch.relu(s.b1(s.c1(x))); y = s.b2(s.c2(y))
        return torch.relu(y + (s.d(x) if s.d is not None else x))
class Bottle(nn.Module):
    expansion = 4
    def __init__(s, i, o, st):
        super().__init__(); m = o // 4
        s.c1 = nn.Conv2d(i, m, 1, bias=False); s.b1 = nn.BatchNorm2d(m)
        s.c2 = nn.Conv2d(m, m, 3, st, 1, bias=False); s.b2 = nn.BatchNorm2d(m)
        s.c3 = nn.Conv2d(m, o, 1, bias=False); s.b3 = nn.BatchNorm2d(o)
        s.d = nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o)) if st != 1 or i != o else None
    def forward(s, x):
        y = torch.relu(s.b1(s.c1(x))); y = torch.relu(s.b2(s.c2(y))); y = s.b3(s.c3(y))
        return torch.relu(y + (s.d(x) if s.d is not None else x))
def resnet(block, blocks, cifar, classes):
    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()] if cifar else \
             [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    i = 64
    for s, n in enumerate(blocks):
        o = 64 * 2 ** s * block.expansion
        for b in range(n):
            layers.append(block(i, o, (1 if s == 0 else 2) if b == 0 else 1)); i = o
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(i, classes)]
    return nn.Sequential(*layers).eval()
specs = {'resnet18_cifar': ('ResNet-18-CIFAR', resnet(Basic, [2, 2, 2, 2], True, 10), 32),
         'resnet50': ('ResNet-50', resnet(Bottle, [3, 4, 6, 3], False, 1000), 224)}
`;

/**
 * Python (after imports of json, sys, time, torch and THREADS): `time_forward(name, m, b, size, min_s)` times
 * `m` on a random batch as the tfjs rows are timed (first call, then the mean over at least `min_s` seconds or 50
 * calls) and prints the row as JSON; argv gives the model keys, batch sizes and minimum seconds.
 */
export const TORCH_TIME_FORWARD = String.raw`
def blas_name():
    # the BLAS behind torch's matrix products (Debian's build links libblas.so.3: OpenBLAS, or the slow reference one)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    try:
        libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() or 'mkl' in l.lower()})
    except OSError:
        return 'BLAS unknown'
    for key, name in (('openblas', 'OpenBLAS'), ('mkl', 'MKL'), ('blis', 'BLIS'), ('/blas/', REFERENCE_BLAS)):
        if any(key in p.lower() for p in libs): return name
    return 'built-in BLAS'
REFERENCE_BLAS = 'reference BLAS'
BLAS = blas_name()
def time_forward(name, m, b, size, min_s):
    x = torch.randn(b, 3, size, size)
    t0 = time.perf_counter(); m(x); first = (time.perf_counter() - t0) * 1000
    m(x); n = 0; t0 = time.perf_counter()
    while True:
        m(x); n += 1
        if time.perf_counter() - t0 >= min_s or n >= 50: break
    ms = (time.perf_counter() - t0) * 1000 / n
    print(json.dumps(dict(model=name, runtime='PyTorch %s CPU (%d threads, %s)' % (torch.__version__, THREADS, BLAS), batch=b, first_ms=first, ms=ms, img_per_s=b * 1000 / ms)), flush=True)
keys, batches, min_s = sys.argv[1].split(','), [int(b) for b in sys.argv[2].split(',')], float(sys.argv[3])
`;

/** Times the networks' forward the same way as the tfjs rows. */
const TORCH_SCRIPT = TORCH_RESNETS + TORCH_TIME_FORWARD + String.raw`
with torch.no_grad():
    for k in keys:
        name, m, size = specs[k]
        for b in batches: time_forward(name, m, b, size, min_s)
`;

function benchTorch(keys: string[], batches: number[], minSeconds: number): { rows: BenchRow[]; note?: string } {
  const py = findPython('torch');
  if (!py) return { rows: [], note: 'PyTorch not available (install Debian python3-torch to compare)' };
  const r = spawnSync(py, ['-c', TORCH_SCRIPT, keys.join(','), batches.join(','), String(minSeconds)], { encoding: 'utf8', maxBuffer: 1 << 20, env: torchEnv() });
  if (r.status !== 0) return { rows: [], note: `PyTorch run failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  return { rows: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as BenchRow) };
}

export function table(rows: BenchRow[]): string {
  const head = ['model', 'runtime', 'batch', 'first (ms)', 'ms/batch', 'img/s', 'vs PyTorch'];
  const torch = (r: BenchRow) => rows.find((t) => t.runtime.startsWith('PyTorch') && t.model === r.model && t.batch === r.batch);
  const body = rows.map((r) => {
    const t = torch(r);
    const ratio = t && !r.runtime.startsWith('PyTorch') ? `${(r.img_per_s / t.img_per_s).toFixed(2)}×` : '';
    return [r.model, r.runtime, String(r.batch), r.first_ms.toFixed(0), r.ms.toFixed(1), r.img_per_s.toFixed(1), ratio];
  });
  const slowBlas = rows.some((r) => r.runtime.startsWith('PyTorch') && r.runtime.includes('reference BLAS'));
  const warning = slowBlas ? ['PyTorch multiplies matrices with the reference BLAS here (slow: its linear layers are not what users see); install Debian libopenblas0-pthread for a fair comparison'] : [];
  return [textTable(head, body), ...warning].join('\n');
}

/** Columns padded to their widest cell, a dashed rule under the head. */
export function textTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const command: CliCommand = {
  summary: 'Forward speed of ResNet-18-CIFAR and ResNet-50 on tfjs (WASM/CPU) beside PyTorch CPU',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        models: { type: 'string', default: 'resnet18_cifar,resnet50' },
        batches: { type: 'string', default: '1,32' },
        backends: { type: 'string', default: 'wasm' },
        'cpu-all': { type: 'boolean', default: false },
        'no-fuse': { type: 'boolean', default: false },
        winograd: { type: 'string', default: 'auto' },
        'min-seconds': { type: 'string', default: '3' },
        'no-torch': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const keys = values.models!.split(',');
    for (const k of keys) if (!MODELS[k]) throw new UsageError(`unknown model '${k}' (choose from ${Object.keys(MODELS).join(', ')})`);
    const batches = values.batches!.split(',').map(Number);
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`--batches must be positive integers, got '${values.batches}'`);
    const minSeconds = Number(values['min-seconds']);
    const modes = values.winograd!.split(',') as WinogradMode[];
    const unknown = modes.find((m) => !WINOGRAD_MODES.includes(m));
    if (unknown !== undefined) throw new UsageError(`--winograd: unknown mode '${unknown}' (choose from ${WINOGRAD_MODES.join(', ')})`);
    const rows: BenchRow[] = [];
    for (const backend of values.backends!.split(',')) {
      for (const k of keys) {
        if (backend === 'cpu' && k !== 'resnet18_cifar' && !values['cpu-all']) continue;
        const bs = backend === 'cpu' && !values['cpu-all'] ? batches.filter((b) => b <= 8) : batches;
        if (!bs.length) continue;
        for (const mode of backend === 'wasm' ? modes : modes.slice(0, 1)) {
          if (!values.json) io.err(`running ${MODELS[k].name} on tfjs ${backend}${backend === 'wasm' ? ` (Winograd ${mode})` : ''} (batches ${bs.join(', ')})…`);
          rows.push(...(await benchTfjs(k, backend, bs, !values['no-fuse'], minSeconds, mode)));
        }
      }
    }
    let note: string | undefined;
    if (!values['no-torch']) {
      const t = benchTorch(keys, batches, minSeconds);
      rows.push(...t.rows);
      note = t.note;
    }
    if (values.json) io.out(JSON.stringify({ rows, note: note ?? null }, null, 2));
    else {
      io.out(table(rows));
      if (note) io.out(note);
    }
    return 0;
  },
};

export default command;
