import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { getModelComplexityInfo } from '../models/analysis/complexity';
import { buildClassifier } from '../models/builder';
import { sharedPath } from '../testing/shared';
import { describeOutOfMemory, estimateModelMemory, formatCount, formatDecimalBytes, isOutOfMemory, optimizerSlots, WASM_HEAP_MAX_BYTES } from './oom';
import { tf } from './tf';

/** Runs `f` and returns what it threw (the test fails when it throws nothing). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an allocation failure');
}

describe('out-of-memory errors, as the backends throw them', () => {
  it('WASM: a tensor larger than the 4 GB heap (tfjs copies it to a failed malloc: "offset is out of bounds"); the backend still works', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const e = thrown(() => tf.zeros([2 ** 30])); // 4 GiB of float32
    expect(e).toBeInstanceOf(RangeError);
    expect(isOutOfMemory(e, 'wasm')).toBe(true);
    // The same message from another backend is a bug, not memory.
    expect(isOutOfMemory(e, 'cpu')).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(await tf.add(tf.ones([2]), 1).data())).toEqual([2, 2]);
  });

  it('CPU: a typed array past the engine limit ("Invalid typed array length"), an ArrayBuffer that cannot be allocated', async () => {
    await tf.setBackend('cpu');
    const tooLong = thrown(() => tf.fill([2 ** 33], 1));
    expect(String(tooLong)).toMatch(/^RangeError: Invalid typed array length: 8589934592$/);
    expect(isOutOfMemory(tooLong)).toBe(true);
    const failed = thrown(() => new ArrayBuffer(2 ** 40));
    expect(failed).toBeInstanceOf(RangeError);
    expect(isOutOfMemory(failed)).toBe(true);
    // Wrapped (the train session keeps the original as `cause`).
    expect(isOutOfMemory(new Error('train_dataloader: step failed', { cause: failed }))).toBe(true);
  });

  it('the browsers\' and Emscripten\'s words for it, and errors that are not memory', () => {
    // tfjs-backend-wasm's fill kernel writing through a failed malloc (measured in Node: a WebAssembly trap).
    const trap = Object.assign(new Error('memory access out of bounds'), { name: 'RuntimeError' });
    expect(isOutOfMemory(trap)).toBe(true);
    expect(isOutOfMemory(new Error('Aborted(OOM). Build with -sASSERTIONS for more info.'))).toBe(true);
    expect(isOutOfMemory(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'))).toBe(true);
    expect(isOutOfMemory(Object.assign(new Error('Out of memory.'), { name: 'GPUOutOfMemoryError' }))).toBe(true);
    expect(isOutOfMemory(new Error('Requested texture size [65536x65536] greater than WebGL maximum on this browser / GPU [8192x8192].'))).toBe(true);
    expect(isOutOfMemory(new Error('WebGL Error: OUT_OF_MEMORY'))).toBe(true);
    expect(isOutOfMemory(new Error("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"))).toBe(false);
    expect(isOutOfMemory(new Error('shapes [2,3] and [4,5] must match'))).toBe(false);
    expect(isOutOfMemory(null)).toBe(false);
  });
});

const VIT = sharedPath('reference/zoo/VisionTransformer_tiny_model.json');
const VIT_INFO = sharedPath('reference/zoo/VisionTransformer_tiny_info.json');

describe.runIf(existsSync(VIT) && existsSync(VIT_INFO))('the memory estimate of a model', () => {
  it("counts the parameters PyTorch counts, adds gradients, optimizer state and a batch's activations", async () => {
    await tf.setBackend('wasm');
    const model = buildClassifier({ model: JSON.parse(readFileSync(VIT, 'utf8')) }, { seed: 0 });
    try {
      const torchParams = (JSON.parse(readFileSync(VIT_INFO, 'utf8')) as { params: number }).params;
      const acts = getModelComplexityInfo(model, [3, 32, 32]).activations;
      const est = estimateModelMemory(model, { name: 'ViT tiny', batchSize: 32, activationsPerSample: acts, optimizer: { type: 'AdamW' }, backend: 'wasm' });
      expect(est.params).toBe(torchParams);
      expect(est.paramBytes).toBe(4 * torchParams);
      expect(est.gradientBytes).toBe(4 * torchParams);
      expect(est.optimizerBytes).toBe(2 * 4 * torchParams);
      expect(est.activationBytes).toBe(acts * 32 * 4 * 3);
      expect(est.totalBytes).toBe(est.paramBytes + est.bufferBytes + est.gradientBytes + est.optimizerBytes + est.activationBytes!);
      const inference = estimateModelMemory(model, { name: 'ViT tiny', training: false, batchSize: 1, activationsPerSample: acts });
      expect(inference.gradientBytes + inference.optimizerBytes).toBe(0);
      console.log(`ViT tiny: ${est.params} parameters (PyTorch ${torchParams}), ${acts} activations per image at 32×32; training at batch 32 ≈ ${formatDecimalBytes(est.totalBytes)}`);
    } finally {
      model.dispose();
    }
  });

  it('the message names the model, its size, the batch, the backend and what to try', () => {
    // ViT-L/16 at 224 (MMPretrain's arch 'large'): 24 layers of width 1024, MLP 4096, 196 + 1 tokens, 1000 classes.
    const shapes = new Map<string, number[]>([['backbone.cls_token', [1, 1, 1024]], ['backbone.pos_embed', [1, 197, 1024]], ['backbone.patch_embed.projection.weight', [1024, 3, 16, 16]], ['backbone.patch_embed.projection.bias', [1024]]]);
    for (let i = 0; i < 24; i++) {
      const p = `backbone.layers.${i}`;
      for (const [k, s] of [['ln1.weight', [1024]], ['ln1.bias', [1024]], ['attn.qkv.weight', [3072, 1024]], ['attn.qkv.bias', [3072]], ['attn.proj.weight', [1024, 1024]], ['attn.proj.bias', [1024]], ['ln2.weight', [1024]], ['ln2.bias', [1024]], ['ffn.layers.0.0.weight', [4096, 1024]], ['ffn.layers.0.0.bias', [4096]], ['ffn.layers.1.weight', [1024, 4096]], ['ffn.layers.1.bias', [1024]]] as const) shapes.set(`${p}.${k}`, [...s]);
    }
    for (const [k, s] of [['backbone.ln1.weight', [1024]], ['backbone.ln1.bias', [1024]], ['head.layers.head.weight', [1000, 1024]], ['head.layers.head.bias', [1000]]] as const) shapes.set(k, [...s]);
    const est = estimateModelMemory({ shapes }, { name: 'ViT-L', batchSize: 32, activationsPerSample: 0.19e9 / 1, optimizer: { type: 'AdamW' }, backend: 'wasm' });
    expect(est.params).toBe(304_326_632); // MMPretrain's model card: 304.33 M
    expect(formatCount(est.params)).toBe('304 M');
    expect(formatDecimalBytes(est.paramBytes)).toBe('1.22 GB');
    const oom = thrown(() => new ArrayBuffer(2 ** 40));
    const msg = describeOutOfMemory(oom, est, 'training');
    expect(msg).toBe(
      `Out of memory training ViT-L (304 M parameters ≈ 1.22 GB of weights, ≈ ${formatDecimalBytes(est.totalBytes)} with gradients, optimizer state and activations at batch 32 on WASM, more than WASM's 4 GB heap); ` +
        'try a smaller batch (train_dataloader.batch_size), CPU, or a smaller model. (tfjs: RangeError: Array buffer allocation failed)',
    );
    expect(est.totalBytes).toBeGreaterThan(WASM_HEAP_MAX_BYTES);
    // A model that ran out while it was built: what was allocated, a lower bound.
    const partial = estimateModelMemory({ shapes: new Map([...shapes].slice(0, 40)) }, { name: 'ViT-L', backend: 'webgl', partial: true });
    expect(describeOutOfMemory(new Error('WebGL Error: OUT_OF_MEMORY'), partial, 'building')).toMatch(
      /^Out of memory building ViT-L \(at least 38\.8 M parameters ≈ 155 MB of weights allocated on WebGL when it failed\); try a smaller batch \(train_dataloader\.batch_size\), WASM\/CPU, or a smaller model\. \(tfjs: WebGL Error: OUT_OF_MEMORY\)$/,
    );
    expect(describeOutOfMemory(new Error('Out of memory'), null)).toBe('Out of memory training the model; try a smaller batch (train_dataloader.batch_size), WASM/CPU, or a smaller model. (tfjs: Out of memory)');
    // Inference (the engine worker): no gradients or optimizer state, the input's activations.
    const inference = estimateModelMemory({ shapes }, { name: 'ViT-L', training: false, batchSize: 1, activationsPerSample: 0.19e9, backend: 'webgpu' });
    expect(describeOutOfMemory(Object.assign(new Error('Out of memory.'), { name: 'GPUOutOfMemoryError' }), inference, 'running')).toBe(
      'Out of memory running ViT-L (304 M parameters ≈ 1.22 GB of weights, ≈ 1.98 GB with activations at batch 1 on WebGPU); try a smaller batch or image size, WASM/CPU, or a smaller model. (tfjs: GPUOutOfMemoryError: Out of memory.)',
    );
  });

  it('optimizer state per parameter', () => {
    expect([optimizerSlots({ type: 'SGD' }), optimizerSlots({ type: 'SGD', momentum: 0.9 }), optimizerSlots({ type: 'AdamW' }), optimizerSlots({ type: 'Adam', amsgrad: true }), optimizerSlots({ type: 'RMSprop', momentum: 0.9, centered: true }), optimizerSlots(null)]).toEqual([0, 1, 2, 3, 3, 0]);
  });
});
