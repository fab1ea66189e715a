/**
 * Benchmark: peak memory and time to load a big (default 350 MB) checkpoint, per format and source.
 * Not a test (it writes ~1 GB to a temp dir and takes a minute):
 *   node_modules/.bin/tsx src/fileio/bench/large_checkpoint.ts [--size-mb 350] [--keep]
 * Each load runs in a fresh child process, which reports its own peak RSS (`resourceUsage().maxRSS`) over
 * its RSS before loading; "copies" = that growth ÷ the loaded tensors' bytes (1.0 = only the result held).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCheckpoint } from '../checkpoint';
import { loadCheckpointFile, writeParts } from '../node';
import { pthParts } from '../pth/pth_writer';
import { safetensorsParts } from '../safetensors';
import type { TensorData } from '../tensor_data';

const MB = 1 << 20;
const self = fileURLToPath(import.meta.url);
const tsx = join(self, '../../../../node_modules/.bin/tsx');

/** A ResNet-like state dict of about `sizeMb` MB of float32 (deterministic values from a 32-bit LCG). */
function syntheticStateDict(sizeMb: number): Map<string, TensorData> {
  const sd = new Map<string, TensorData>();
  let seed = 12345;
  const perTensor = 1024 * 1024; // 4 MB per conv weight: [1024, 256, 2, 2]
  const count = Math.round((sizeMb * MB) / (perTensor * 4));
  for (let i = 0; i < count; i++) {
    const data = new Float32Array(perTensor);
    for (let j = 0; j < data.length; j++) data[j] = ((seed = (Math.imul(seed, 1664525) + 1013904223) | 0) / 2 ** 31) * 0.05;
    const p = `backbone.layer${1 + (i % 4)}.${i}`;
    sd.set(`${p}.conv.weight`, { dtype: 'float32', shape: [1024, 256, 2, 2], data, originalDtype: 'float32' });
    sd.set(`${p}.bn.running_mean`, { dtype: 'float32', shape: [1024], data: new Float32Array(1024).fill(0.1), originalDtype: 'float32' });
    sd.set(`${p}.bn.num_batches_tracked`, { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(i)]), originalDtype: 'int64' });
  }
  return sd;
}

type Mode = 'file-handle' | 'blob' | 'bytes';

async function child(file: string, mode: Mode): Promise<void> {
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  let peakArrayBuffers = 0;
  const onProgress = (): void => { peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers); };
  const ck = mode === 'file-handle' ? await loadCheckpointFile(file, { onProgress })
    : mode === 'blob' ? await loadCheckpoint(await openAsBlob(file), file, { onProgress })
    : await loadCheckpoint(readFileSync(file), file, { onProgress });
  const ms = performance.now() - t0;
  const tensorBytes = [...ck.stateDict.values()].reduce((n, t) => n + t.data.byteLength, 0);
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ ms, tensorBytes, growth: peak - before, peakArrayBuffers, tensors: ck.stateDict.size }));
}

async function mainBench(): Promise<void> {
  const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '350' }, keep: { type: 'boolean', default: false } } });
  const sizeMb = Number(values['size-mb']);
  const dir = mkdtempSync(join(tmpdir(), 'big-ckpt-'));
  try {
    let t0 = performance.now();
    const sd = syntheticStateDict(sizeMb);
    const files = {
      pth: join(dir, 'big.pth'),
      fp16: join(dir, 'big_fp16.pth'),
      safetensors: join(dir, 'big.safetensors'),
    };
    await writeParts(files.pth, pthParts(sd, { dataset_meta: { classes: ['a', 'b'] } }));
    const half = new Map([...sd].map(([k, t]) => [k, t.dtype === 'float32' ? { ...t, originalDtype: 'float16' as const } : t]));
    await writeParts(files.fp16, pthParts(half));
    await writeParts(files.safetensors, safetensorsParts(sd));
    console.log(`wrote ${Object.values(files).map((f) => `${f.split('/').pop()} ${(statSync(f).size / MB).toFixed(0)} MB`).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log('file               source        time     loaded    peak RSS growth   copies   peak arrayBuffers');
    for (const [label, file] of Object.entries(files)) {
      for (const mode of ['file-handle', 'blob', 'bytes'] as Mode[]) {
        t0 = performance.now();
        const r = spawnSync(tsx, [self, '--child', file, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
        if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
        const { ms, tensorBytes, growth, peakArrayBuffers } = JSON.parse(r.stdout) as Record<string, number>;
        console.log(`${label.padEnd(18)} ${mode.padEnd(12)} ${(ms / 1000).toFixed(2).padStart(6)} s ${(tensorBytes / MB).toFixed(0).padStart(6)} MB ${(growth / MB).toFixed(0).padStart(10)} MB ${(growth / tensorBytes).toFixed(2).padStart(10)} ${(peakArrayBuffers / MB).toFixed(0).padStart(12)} MB`);
      }
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4] as Mode);
else await mainBench();
