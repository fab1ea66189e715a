/**
 * The WASM heap guard: an allocation the heap cannot hold throws before anything is written (tfjs alone would hand
 * the kernel address 0, or a block of the size modulo 2³²), and the backend goes on working.
 */
import { describe, expect, it } from 'vitest';
import { registerNodeWasm } from './node_wasm_threads';
import { isOutOfMemory, WASM_HEAP_MAX_BYTES } from './oom';
import { tf } from './tf';
import { guardWasmHeap } from './wasm_heap_guard';

describe('guardWasmHeap', () => {
  it('refuses a tensor past the heap with "out of memory", leaves no tensor behind, and only wraps WASM once', async () => {
    await registerNodeWasm();
    await tf.setBackend('wasm');
    expect(guardWasmHeap(tf.findBackend('cpu'))).toBe(false);
    expect(guardWasmHeap(tf.backend())).toBe(true);
    const wrapped = (tf.backend() as unknown as { wasm: { _malloc: unknown } }).wasm._malloc;
    expect(guardWasmHeap(tf.backend())).toBe(true);
    expect((tf.backend() as unknown as { wasm: { _malloc: unknown } }).wasm._malloc).toBe(wrapped);
    const before = tf.memory().numTensors;
    // 4 GiB + 4 bytes: more than the heap can ever hold, and 4 bytes modulo 2³² (what malloc alone would allocate)
    let err: unknown = null;
    try {
      tf.zeros([2 ** 30 + 1]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect(String(err)).toMatch(new RegExp(`^RangeError: WASM heap out of memory: malloc\\(${4 * (2 ** 30 + 1)}\\) failed with the heap at \\d+ bytes$`));
    expect(4 * (2 ** 30 + 1)).toBeGreaterThan(WASM_HEAP_MAX_BYTES);
    expect(isOutOfMemory(err)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(await tf.add(tf.ones([3]), 1).data())).toEqual([2, 2, 2]);
  });
});
