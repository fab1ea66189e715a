/**
 * Looking at a backend starts nothing: `tf.findBackend` of a registered, not yet started backend starts it with the
 * factory registered at that moment, and an asynchronous start finishing after `registerNodeWasm` replaced the
 * factory would leave tfjs's single-threaded WASM in place of the threaded build with the fast convolutions.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { registerNodeWasm } from './node_wasm_threads';
import { startedBackend } from './register';
import { tf } from './tf';
import { fastConvs } from './wasm_conv/fast_conv';

class ProbeBackend extends tf.KernelBackend {
  override dispose(): void {}
}

describe('startedBackend', () => {
  afterAll(() => tf.removeBackend('wasm'));

  it('gives null for a backend not started, without starting it, and the instance once started', async () => {
    let starts = 0;
    tf.registerBackend('mmpw-probe', async () => (starts++, new ProbeBackend()), -10);
    try {
      expect(startedBackend('mmpw-probe')).toBe(null);
      expect(startedBackend('no-such-backend')).toBe(null);
      expect(starts).toBe(0);
      expect(await tf.setBackend('mmpw-probe')).toBe(true);
      expect(starts).toBe(1);
      expect(startedBackend('mmpw-probe')).toBe(tf.backend());
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('mmpw-probe');
    }
  });

  it('registerNodeWasm, a pause, then the first start: the threaded build with the fast convolutions', async () => {
    await registerNodeWasm(2);
    // a start begun by registerNodeWasm's own checks would have finished (and won) by now
    await new Promise((r) => setTimeout(r, 300));
    expect(startedBackend('wasm')).toBe(null);
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(getThreadsCount()).toBe(1); // XNNPACK's own pool: the caller (XNNPACK_THREADS)
    expect(fastConvs.get(tf.backend())?.threads).toBe(2);
  });
});
