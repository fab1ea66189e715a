/**
 * `mmpretrain-web bench-zoo`: forward speed of thirteen zoo models built from MMPretrain's own configs in `configs/`
 * (convolutional: ConvNeXt-T, EfficientNet-B0, RegNetX-1.6GF, RepVGG-A0 deploy, MobileOne-S0 deploy, HRNet-W18,
 * DenseNet-121; transformer / MLP: DeiT-S, Swin-T, ViT-B/16, LeViT-128S deploy, TinyViT-5M, MLP-Mixer-B/16; 224×224,
 * random weights, eval, conv+BN folded) on tfjs WASM, beside the same networks in PyTorch CPU on as many threads
 * (`bench-zoo-torch.ts`), and the peak memory of loading each one's checkpoint.
 * A benchmark, not a test: numbers vary per machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tf, type Tensor } from '../../backends/tf';
import { openFileSource } from '../../fileio/node';
import { loadCheckpointInto } from '../../models/load_checkpoint';
import { serializeRunnerCheckpoint } from '../../engine/runner/checkpoint_io';
import { buildClassifier } from '../../models/builder';
import { readConfigFile, useBackend } from '../../models/node';
import { fuseConvBn } from '../../models/utils/fuse_conv_bn';
import { findPython } from '../python';
import { procStatus, resetPeak } from '../proc_memory';
import { UsageError, type CliCommand } from '../command';
import { table, textTable, tfjsRuntimeLabel, timeForward, torchEnv, type BenchRow } from './bench-models';
import { TORCH_SCRIPT } from '../bench_zoo_torch';

const CONFIGS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../configs');

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
  deit_s: { name: 'DeiT-S', config: 'deit/deit-small_4xb256_in1k.py' },
  swin_t: { name: 'Swin-T', config: 'swin_transformer/swin-tiny_16xb64_in1k.py' },
  vit_b16: { name: 'ViT-B/16', config: 'vision_transformer/vit-base-p16_64xb64_in1k.py' },
  levit_128s_deploy: { name: 'LeViT-128S (deploy)', config: 'levit/deploy/levit-128s_8xb256_in1k.py' },
  tinyvit_5m: { name: 'TinyViT-5M', config: 'tinyvit/tinyvit-5m_8xb256_in1k.py' },
  mlp_mixer_b16: { name: 'MLP-Mixer-B/16', config: 'mlp_mixer/mlp-mixer-base-p16_64xb64_in1k.py' },
};

/** Checkpoints whose loading memory is measured beside the speed models': the large ones (issue #15's ViT-L, 1.2 GB). */
export const LOAD_ONLY: Record<string, ZooBenchModel> = {
  vit_l16: { name: 'ViT-L/16', config: 'vision_transformer/vit-large-p16_64xb64_in1k.py' },
};
const benchModel = (key: string): ZooBenchModel | undefined => ZOO_BENCH[key] ?? LOAD_ONLY[key];

const SIZE = 224;

async function benchTfjs(key: string, batches: number[], minSeconds: number): Promise<BenchRow[]> {
  await useBackend('wasm');
  const spec = ZOO_BENCH[key];
  const model = buildClassifier(readConfigFile(join(CONFIGS_DIR, spec.config)), { seed: 0 });
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
function selfStatus(field: 'VmRSS' | 'VmHWM'): number {
  const v = procStatus('self', field);
  if (v === null) throw new Error(`/proc/self/status has no ${field}`);
  return v;
}

/**
 * In a fresh process (`--memory-of KEY --checkpoint PATH`): resets the kernel's peak-RSS mark, builds the model and
 * loads the checkpoint file into it strictly; the peak growth of resident memory over the state before. Loading
 * streams tensor by tensor (`loadCheckpointInto`), so neither the file nor its state dict is ever in memory whole.
 */
async function measureLoadMemory(key: string, path: string): Promise<MemoryRow> {
  await useBackend('wasm');
  const spec = benchModel(key)!;
  const cfg = readConfigFile(join(CONFIGS_DIR, spec.config));
  (globalThis as { gc?: () => void }).gc?.();
  resetPeak('self');
  const before = selfStatus('VmRSS');
  const model = buildClassifier(cfg, { seed: null });
  const { source, close } = await openFileSource(path);
  try {
    await loadCheckpointInto(model, source, basename(path), { strict: true });
  } finally {
    await close();
  }
  const peak = selfStatus('VmHWM') - before;
  model.dispose();
  return { model: spec.name, file_mb: statSync(path).size / MB, peak_mb: peak / MB };
}

/** The checkpoint of a config under `configs/` as a Runner saves one: its model's seed-0 weights (WASM backend running). */
export function zooCheckpoint(config: string): Uint8Array {
  const model = buildClassifier(readConfigFile(join(CONFIGS_DIR, config)), { seed: 0 });
  try {
    return serializeRunnerCheckpoint({ meta: {}, state_dict: model.stateDict() });
  } finally {
    model.dispose();
  }
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
      writeFileSync(path, zooCheckpoint(benchModel(k)!.config));
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
  return textTable(head, body);
}

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
  --memory-models a,b the checkpoints to load for the memory rows (default: the models, plus
                      ${Object.keys(LOAD_ONLY).join(', ')} when --models is not given)
  --batches 1,16      batch sizes (default 1,16)
  --min-seconds S     time each configuration for at least S seconds (default 3)
  --rounds N          measure each model N times, WASM and PyTorch in turn, and keep each one's fastest (default 1)
  --no-torch          skip the PyTorch CPU comparison
  --no-memory         skip the checkpoint-loading memory rows
  --no-speed          skip the speed rows (memory rows only)
  --json              print rows as JSON`;

const command: CliCommand = {
  summary: 'Forward speed of thirteen zoo models (ConvNeXt-T … DenseNet-121, DeiT-S … MLP-Mixer-B/16) on WASM beside PyTorch CPU; checkpoint-loading memory',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        models: { type: 'string' },
        'memory-models': { type: 'string' },
        batches: { type: 'string', default: '1,16' },
        'min-seconds': { type: 'string', default: '3' },
        rounds: { type: 'string', default: '1' },
        'no-torch': { type: 'boolean', default: false },
        'no-memory': { type: 'boolean', default: false },
        'no-speed': { type: 'boolean', default: false },
        'memory-of': { type: 'string' },
        checkpoint: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (values['memory-of']) {
      if (!benchModel(values['memory-of']) || !values.checkpoint) throw new UsageError(`--memory-of needs a model of ${[...Object.keys(ZOO_BENCH), ...Object.keys(LOAD_ONLY)].join(', ')} and --checkpoint PATH`);
      io.out(JSON.stringify(await measureLoadMemory(values['memory-of'], values.checkpoint)));
      return 0;
    }
    const keys = (values.models ?? Object.keys(ZOO_BENCH).join(',')).split(',');
    for (const k of keys) if (!ZOO_BENCH[k]) throw new UsageError(`unknown model '${k}' (choose from ${Object.keys(ZOO_BENCH).join(', ')})`);
    const memoryKeys = values['memory-models']?.split(',') ?? (values.models ? keys : [...keys, ...Object.keys(LOAD_ONLY)]);
    for (const k of memoryKeys) if (!benchModel(k)) throw new UsageError(`unknown model '${k}' for --memory-models (choose from ${[...Object.keys(ZOO_BENCH), ...Object.keys(LOAD_ONLY)].join(', ')})`);
    const batches = values.batches!.split(',').map(Number);
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`--batches must be positive integers, got '${values.batches}'`);
    const minSeconds = Number(values['min-seconds']);
    const rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError(`--rounds must be a positive integer, got '${values.rounds}'`);
    const notes: string[] = [];
    // Model by model, WASM then PyTorch right after it (this VM's speed drifts by ±30 % over minutes: runs minutes
    // apart made the ratios swing), each configuration's fastest round kept.
    const best = new Map<string, BenchRow>();
    const keep = (rs: BenchRow[]) => {
      for (const r of rs) {
        const id = `${r.runtime.startsWith('PyTorch') ? 'torch' : 'tfjs'}|${r.model}|${r.batch}`;
        const held = best.get(id);
        if (!held || r.ms < held.ms) best.set(id, r);
      }
    };
    let torch = !values['no-torch'];
    for (const k of values['no-speed'] ? [] : keys) {
      for (let round = 1; round <= rounds; round++) {
        if (!values.json) io.err(`running ${ZOO_BENCH[k].name} on tfjs wasm${torch ? ', then PyTorch' : ''} (batches ${batches.join(', ')}${rounds > 1 ? `; round ${round} of ${rounds}` : ''})…`);
        keep(await benchTfjs(k, batches, minSeconds));
        if (!torch) continue;
        const t = benchTorch([k], batches, minSeconds);
        keep(t.rows);
        if (t.note) {
          notes.push(t.note);
          torch = false;
        }
      }
    }
    const rows = [...best.values()];
    const memory = values['no-memory'] ? { rows: [] } : await memoryRows(memoryKeys);
    if ('note' in memory && memory.note) notes.push(memory.note);
    if (values.json) io.out(JSON.stringify({ rows, memory: memory.rows, notes }, null, 2));
    else {
      if (rows.length) io.out(table(rows));
      if (memory.rows.length) io.out(`\n${memoryTable(memory.rows)}`);
      for (const n of notes) io.out(n);
    }
    return 0;
  },
};

export default command;
