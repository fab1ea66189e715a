/**
 * A full WASM heap as an error, not a broken backend. tfjs-backend-wasm allocates every tensor's memory with the
 * module's `_malloc` and does not look at what it returns: when the heap cannot grow any more (4 GB), `malloc`
 * returns 0 and the kernel writes the tensor over the bottom of the heap, the allocator's own state among it.
 * Measured in Node with the threaded build: building a 1.1 B-parameter ViT traps with "memory access out of
 * bounds" and the next `free` never returns (the allocator's lock is gone with its state), so the worker hangs.
 * A tensor over 4 GB is worse: `malloc` takes a 32-bit size, gets the size modulo 2³² and returns a small block
 * that the kernel then overruns. {@link guardWasmHeap} makes both throw instead, before anything is written: the
 * model's tensors made so far are disposed as usual and the backend goes on working.
 */
import { WASM_HEAP_MAX_BYTES } from './oom';
import type { tf } from './tf';

/** The message of a refused allocation (`isOutOfMemory` reads "out of memory"). */
export function wasmHeapFullMessage(bytes: number, heapBytes: number): string {
  return `WASM heap out of memory: malloc(${bytes}) failed with the heap at ${heapBytes} bytes`;
}

interface EmscriptenLike {
  _malloc(bytes: number): number;
  asm?: { malloc?: (bytes: number) => number };
  wasmMemory?: { buffer: ArrayBufferLike };
  HEAPU8?: Uint8Array;
}

const guarded = new WeakSet<object>();

/**
 * Makes the WASM backend's `_malloc` throw a `RangeError` ({@link wasmHeapFullMessage}) when it returns 0 or is
 * asked for more than the heap can hold. Any other backend is left alone; guarding one twice is the same as once.
 * True when `backend` is (now) guarded.
 */
export function guardWasmHeap(backend: tf.KernelBackend | null | undefined): boolean {
  const module = (backend as { wasm?: EmscriptenLike } | null | undefined)?.wasm;
  if (!module || typeof module._malloc !== 'function') return false;
  if (guarded.has(module)) return true;
  // The export itself: Emscripten's `_malloc` is a stub that replaces itself with it on its first call.
  const raw = typeof module.asm?.malloc === 'function' ? module.asm.malloc : module._malloc.bind(module);
  module._malloc = (bytes: number) => {
    // over the heap's limit it cannot fit, and `malloc` would see the size modulo 2³² (a small block, overrun)
    const ptr = bytes > WASM_HEAP_MAX_BYTES ? 0 : raw(bytes);
    if (ptr === 0 && bytes > 0) throw new RangeError(wasmHeapFullMessage(bytes, (module.wasmMemory?.buffer ?? module.HEAPU8?.buffer)?.byteLength ?? 0));
    return ptr;
  };
  guarded.add(module);
  return true;
}
