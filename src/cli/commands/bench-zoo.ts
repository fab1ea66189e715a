/**
 * `mmpretrain-web bench-zoo`: forward speed of seven zoo models built from MMPretrain's own configs in `configs/`
 * (ConvNeXt-T, EfficientNet-B0, RegNetX-1.6GF, RepVGG-A0 deploy, MobileOne-S0 deploy, HRNet-W18, DenseNet-121; 224×224,
 * random weights, eval, conv+BN folded) on tfjs WASM, beside the same networks in PyTorch CPU on as many threads
 * (torchvision's convnext_tiny, efficientnet_b0, regnet_x_1_6gf, densenet121; RepVGG-A0 / MobileOne-S0 deploy forms and
 * HRNet-W18 with its HRFuseScales head written out below), and the peak memory of loading each one's checkpoint.
 * A benchmark, not a test: numbers vary per machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tf, type Tensor } from '../../backends/tf';
import { loadCheckpointFile } from '../../fileio/node';
import { serializeRunnerCheckpoint } from '../../engine/runner/checkpoint_io';
import { buildClassifier } from '../../models/builder';
import { readConfigFile, useBackend } from '../../models/node';
import { fuseConvBn } from '../../models/utils/fuse_conv_bn';
import { findPython } from '../python';
import { UsageError, type CliCommand } from '../command';
import { table, tfjsRuntimeLabel, timeForward, torchEnv, type BenchRow } from './bench-models';

const configsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../configs');

interface ZooBenchModel {
  name: string;
  /** A config under `configs/` (MMPretrain's). */
  config: string;
}

export const ZOO_BENCH: Record<string, ZooBenchModel> = {
  convnext_t: { name: 'ConvNeXt-T', config: 'convnext/convnext-tiny_32xb128_in1k.py' },
  efficientnet_b0: { name: 'EfficientNet-B0', config: 'efficientnet/efficientnet-b0_8xb32_in1k.py' },
  regnetx_1_6gf: { name: 'RegNetX-1.6GF', config: 'regnet/regnetx-1.6gf_8xb128_in1k.py' },
  repvgg_a0_deploy: { name: 'RepVGG-A0 (deploy)', config: 'repvgg/repvgg-A0_deploy_in1k.py' },
  mobileone_s0_deploy: { name: 'MobileOne-S0 (deploy)', config: 'mobileone/deploy/mobileone-s0_deploy_8xb32_in1k.py' },
  hrnet_w18: { name: 'HRNet-W18', config: 'hrnet/hrnet-w18_4xb32_in1k.py' },
  densenet121: { name: 'DenseNet-121', config: 'densenet/densenet121_4xb256_in1k.py' },
};

const SIZE = 224;

async function benchTfjs(key: string, batches: number[], minSeconds: number): Promise<BenchRow[]> {
  await useBackend('wasm');
  const spec = ZOO_BENCH[key];
  const model = buildClassifier(readConfigFile(join(configsDir, spec.config)), { seed: 0 });
  model.eval();
  fuseConvBn(model);
  const rows: BenchRow[] = [];
  for (const batch of batches) {
    const x = tf.randomNormal([batch, 3, SIZE, SIZE], 0, 1, 'float32', 1);
    const { first, mean } = timeForward(() => {
      const y = [model.call(x)].flat() as Tensor[];
      for (const t of y) t.dataSync();
      tf.dispose(y);
    }, minSeconds);
    x.dispose();
    rows.push({ model: spec.name, runtime: `${await tfjsRuntimeLabel('wasm')} (fused)`, batch, first_ms: first, ms: mean, img_per_s: (batch * 1000) / mean });
  }
  model.dispose();
  return rows;
}

export interface MemoryRow {
  model: string;
  file_mb: number;
  /** Peak resident memory over the process's before the model was built, while building it and loading the file into it, MB. */
  peak_mb: number;
}

const MB = 1 << 20;

/** `VmRSS` / `VmHWM` (peak) of this process, bytes (Linux). */
function procStatus(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]) * 1024;
}

/**
 * In a fresh process (`--memory-of KEY --checkpoint PATH`): resets the kernel's peak-RSS mark, builds the model and
 * loads the checkpoint file into it strictly; the peak growth of resident memory over the state before. Reading goes
 * storage by storage (`loadCheckpointFile`), so the file is never in memory whole.
 */
async function measureLoadMemory(key: string, path: string): Promise<MemoryRow> {
  await useBackend('wasm');
  const spec = ZOO_BENCH[key];
  const cfg = readConfigFile(join(configsDir, spec.config));
  (globalThis as { gc?: () => void }).gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
  const before = procStatus('VmRSS');
  const model = buildClassifier(cfg, { seed: null });
  const ckpt = await loadCheckpointFile(path);
  model.loadStateDict(ckpt.stateDict, { strict: true });
  const peak = procStatus('VmHWM') - before;
  model.dispose();
  return { model: spec.name, file_mb: statSync(path).size / MB, peak_mb: peak / MB };
}

/**
 * Writes each model's checkpoint (as a Runner saves one) to a temporary file here, then runs
 * {@link measureLoadMemory} on it in a child process (a process's WASM heap never shrinks, so each needs its own).
 */
async function memoryRows(keys: string[]): Promise<{ rows: MemoryRow[]; note?: string }> {
  await useBackend('wasm');
  const rows: MemoryRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-zoo-'));
  try {
    for (const k of keys) {
      const path = join(dir, `${k}.pth`);
      const source = buildClassifier(readConfigFile(join(configsDir, ZOO_BENCH[k].config)), { seed: 0 });
      writeFileSync(path, serializeRunnerCheckpoint({ meta: {}, state_dict: source.stateDict() }));
      source.dispose();
      const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], 'bench-zoo', '--memory-of', k, '--checkpoint', path], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) return { rows, note: `memory run for ${k} failed: ${(r.stderr || '').trim().split('\n').pop()}` };
      rows.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as MemoryRow);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows };
}

function memoryTable(rows: MemoryRow[]): string {
  const head = ['model', 'checkpoint (MB)', 'peak while building + loading (MB)', 'peak / file'];
  const body = rows.map((r) => [r.model, r.file_mb.toFixed(1), r.peak_mb.toFixed(1), `${(r.peak_mb / r.file_mb).toFixed(2)}×`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The same networks in plain PyTorch, timed as the tfjs rows. */
const TORCH_SCRIPT = String.raw`
import json, os, sys, time, torch, torch.nn as nn, torchvision
THREADS = int(os.environ.get('MMPRETRAIN_WEB_TORCH_THREADS', '2'))
torch.set_num_threads(THREADS)
def cbr(i, o, k, s, g=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if act else nn.Sequential(*layers)
def plain(widths, blocks, dw):
    # RepVGG / MobileOne after re-parameterisation: 3x3 convs (+1x1 for MobileOne's depthwise-separable blocks), biased, ReLU.
    layers, i = [nn.Conv2d(3, widths[0], 3, 2, 1), nn.ReLU()], widths[0]
    for o, n in zip(widths[1:], blocks):
        for b in range(n):
            s = 2 if b == 0 else 1
            if dw: layers += [nn.Conv2d(i, i, 3, s, 1, groups=i), nn.ReLU(), nn.Conv2d(i, o, 1), nn.ReLU()]
            else: layers += [nn.Conv2d(i, o, 3, s, 1), nn.ReLU()]
            i = o
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(i, 1000))
class Basic(nn.Module):
    def __init__(s, c):
        super().__init__(); s.a = cbr(c, c, 3, 1); s.b = cbr(c, c, 3, 1, act=False)
    def forward(s, x): return torch.relu(s.b(s.a(x)) + x)
class Bottle(nn.Module):
    def __init__(s, i, m, stride=1):
        super().__init__(); o = m * 4
        s.f = nn.Sequential(cbr(i, m, 1, 1), cbr(m, m, 3, stride), cbr(m, o, 1, 1, act=False))
        s.d = cbr(i, o, 1, stride, act=False) if (i != o or stride != 1) else None
    def forward(s, x): return torch.relu(s.f(x) + (s.d(x) if s.d is not None else x))
class HRModule(nn.Module):
    def __init__(s, ch, out_n):
        super().__init__(); n = len(ch)
        s.branches = nn.ModuleList(nn.Sequential(*[Basic(c) for _ in range(4)]) for c in ch)
        s.fuse = nn.ModuleList()
        for i in range(out_n):
            row = nn.ModuleList()
            for j in range(n):
                if j > i: row.append(nn.Sequential(cbr(ch[j], ch[i], 1, 1, act=False), nn.Upsample(scale_factor=2 ** (j - i), mode='nearest')))
                elif j == i: row.append(nn.Identity())
                else: row.append(nn.Sequential(*[cbr(ch[j] if k == 0 else ch[j], ch[i] if k == i - j - 1 else ch[j], 3, 2, act=k < i - j - 1) for k in range(i - j)]))
            s.fuse.append(row)
    def forward(s, xs):
        xs = [b(x) for b, x in zip(s.branches, xs)]
        return [torch.relu(sum(f(x) for f, x in zip(row, xs))) for row in s.fuse]
class HRNetW18(nn.Module):
    def __init__(s):
        super().__init__(); ch = [18, 36, 72, 144]
        s.stem = nn.Sequential(cbr(3, 64, 3, 2), cbr(64, 64, 3, 2))
        s.layer1 = nn.Sequential(Bottle(64, 64), *[Bottle(256, 64) for _ in range(3)])
        s.t1 = nn.ModuleList([cbr(256, 18, 3, 1), cbr(256, 36, 3, 2)])
        s.s2 = nn.ModuleList([HRModule(ch[:2], 2)])
        s.t2 = cbr(36, 72, 3, 2)
        s.s3 = nn.ModuleList([HRModule(ch[:3], 3) for _ in range(4)])
        s.t3 = cbr(72, 144, 3, 2)
        s.s4 = nn.ModuleList([HRModule(ch, 4) for _ in range(3)])
        s.inc = nn.ModuleList(Bottle(c, m) for c, m in zip(ch, [32, 64, 128, 256]))
        s.down = nn.ModuleList(cbr(i, o, 3, 2) for i, o in [(128, 256), (256, 512), (512, 1024)])
        s.final = cbr(1024, 2048, 1, 1)
        s.fc = nn.Linear(2048, 1000)
    def forward(s, x):
        x = s.layer1(s.stem(x)); xs = [t(x) for t in s.t1]
        for m in s.s2: xs = m(xs)
        xs = xs + [s.t2(xs[-1])]
        for m in s.s3: xs = m(xs)
        xs = xs + [s.t3(xs[-1])]
        for m in s.s4: xs = m(xs)
        f = s.inc[0](xs[0])
        for i, d in enumerate(s.down): f = d(f) + s.inc[i + 1](xs[i + 1])
        return s.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(s.final(f), 1), 1))
specs = {
    'convnext_t': ('ConvNeXt-T', lambda: torchvision.models.convnext_tiny()),
    'efficientnet_b0': ('EfficientNet-B0', lambda: torchvision.models.efficientnet_b0()),
    'regnetx_1_6gf': ('RegNetX-1.6GF', lambda: torchvision.models.regnet_x_1_6gf()),
    'repvgg_a0_deploy': ('RepVGG-A0 (deploy)', lambda: plain([48, 48, 96, 192, 1280], [2, 4, 14, 1], False)),
    'mobileone_s0_deploy': ('MobileOne-S0 (deploy)', lambda: plain([48, 48, 128, 256, 1024], [2, 8, 10, 1], True)),
    'hrnet_w18': ('HRNet-W18', HRNetW18),
    'densenet121': ('DenseNet-121', lambda: torchvision.models.densenet121()),
}
keys, batches, min_s = sys.argv[1].split(','), [int(b) for b in sys.argv[2].split(',')], float(sys.argv[3])
with torch.no_grad():
    for k in keys:
        name, make = specs[k]
        m = make().eval()
        for b in batches:
            x = torch.randn(b, 3, 224, 224)
            t0 = time.perf_counter(); m(x); first = (time.perf_counter() - t0) * 1000
            m(x); n = 0; t0 = time.perf_counter()
            while True:
                m(x); n += 1
                if time.perf_counter() - t0 >= min_s or n >= 50: break
            ms = (time.perf_counter() - t0) * 1000 / n
            print(json.dumps(dict(model=name, runtime='PyTorch %s CPU (%d threads)' % (torch.__version__, THREADS), batch=b, first_ms=first, ms=ms, img_per_s=b * 1000 / ms)), flush=True)
`;

function benchTorch(keys: string[], batches: number[], minSeconds: number): { rows: BenchRow[]; note?: string } {
  const py = findPython('torch, torchvision');
  if (!py) return { rows: [], note: 'PyTorch / torchvision not available (install Debian python3-torch python3-torchvision to compare)' };
  const r = spawnSync(py, ['-c', TORCH_SCRIPT, keys.join(','), batches.join(','), String(minSeconds)], { encoding: 'utf8', maxBuffer: 1 << 20, env: torchEnv() });
  if (r.status !== 0) return { rows: [], note: `PyTorch run failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  return { rows: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as BenchRow) };
}

const usage = `Usage: mmpretrain-web bench-zoo [options]

Forward throughput on tfjs WASM of zoo models built from MMPretrain's configs (224×224, random weights, eval,
conv+BN folded), beside PyTorch CPU on the same number of threads; and the peak memory of building each model and
loading its checkpoint, against the checkpoint's size.

  --models a,b        ${Object.keys(ZOO_BENCH).join(', ')} (default all)
  --batches 1,16      batch sizes (default 1,16)
  --min-seconds S     time each configuration for at least S seconds (default 3)
  --no-torch          skip the PyTorch CPU comparison
  --no-memory         skip the checkpoint-loading memory rows
  --json              print rows as JSON`;

const command: CliCommand = {
  summary: 'Forward speed of seven zoo models (ConvNeXt-T … DenseNet-121) on WASM beside PyTorch CPU; checkpoint-loading memory',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        models: { type: 'string', default: Object.keys(ZOO_BENCH).join(',') },
        batches: { type: 'string', default: '1,16' },
        'min-seconds': { type: 'string', default: '3' },
        'no-torch': { type: 'boolean', default: false },
        'no-memory': { type: 'boolean', default: false },
        'memory-of': { type: 'string' },
        checkpoint: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (values['memory-of']) {
      if (!ZOO_BENCH[values['memory-of']] || !values.checkpoint) throw new UsageError(`--memory-of needs a model of ${Object.keys(ZOO_BENCH).join(', ')} and --checkpoint PATH`);
      io.out(JSON.stringify(await measureLoadMemory(values['memory-of'], values.checkpoint)));
      return 0;
    }
    const keys = values.models!.split(',');
    for (const k of keys) if (!ZOO_BENCH[k]) throw new UsageError(`unknown model '${k}' (choose from ${Object.keys(ZOO_BENCH).join(', ')})`);
    const batches = values.batches!.split(',').map(Number);
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`--batches must be positive integers, got '${values.batches}'`);
    const minSeconds = Number(values['min-seconds']);
    const rows: BenchRow[] = [];
    for (const k of keys) {
      if (!values.json) io.err(`running ${ZOO_BENCH[k].name} on tfjs wasm (batches ${batches.join(', ')})…`);
      rows.push(...(await benchTfjs(k, batches, minSeconds)));
    }
    const notes: string[] = [];
    if (!values['no-torch']) {
      const t = benchTorch(keys, batches, minSeconds);
      rows.push(...t.rows);
      if (t.note) notes.push(t.note);
    }
    const memory = values['no-memory'] ? { rows: [] } : await memoryRows(keys);
    if ('note' in memory && memory.note) notes.push(memory.note);
    if (values.json) io.out(JSON.stringify({ rows, memory: memory.rows, notes }, null, 2));
    else {
      io.out(table(rows));
      if (memory.rows.length) io.out(`\n${memoryTable(memory.rows)}`);
      for (const n of notes) io.out(n);
    }
    return 0;
  },
};

export default command;
