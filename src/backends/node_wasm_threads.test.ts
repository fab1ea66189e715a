import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { registerNodeWasm, winogradModeFromEnv } from './node_wasm_threads';
import { fastConvs } from './wasm_conv/fast_conv';

describe('threaded WASM in Node', () => {
  afterAll(() => tf.removeBackend('wasm'));

  it('computes on two threads (the convolution pool’s; XNNPACK keeps one) with the CPU backend’s numbers', async () => {
    expect(await registerNodeWasm(2)).toBe(2);
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(getThreadsCount()).toBe(1);
    expect(fastConvs.get(tf.backend())!.threads).toBe(2);
    const x = tf.randomNormal([4, 12, 12, 16], 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 16, 24], 0, 1, 'float32', 4) as tf.Tensor4D;
    const onWasm = tf.conv2d(x, w, 1, 1).arraySync() as number[][][][];
    const xs = x.dataSync().slice();
    const ws = w.dataSync().slice();
    await tf.setBackend('cpu');
    const onCpu = tf.conv2d(tf.tensor4d(xs, x.shape), tf.tensor4d(ws, w.shape), 1, 1).dataSync();
    const flat = onWasm.flat(3);
    expect(flat.length).toBe(onCpu.length);
    // the fast convolutions (Winograd here): within 1e-4·max(1, |ref|) as the parity tests
    expect(Math.max(...flat.map((v, i) => Math.abs(v - onCpu[i]) / Math.max(1, Math.abs(onCpu[i]))))).toBeLessThan(1e-4);
    expect(Math.max(...flat.map(Math.abs))).toBeGreaterThan(1);
  });

  it('is a no-op once registered, reporting the count in use', async () => {
    await tf.setBackend('wasm');
    expect(await registerNodeWasm(2)).toBe(2); // already registered: a no-op that reports the count in use
  });
});

describe('MMPRETRAIN_WEB_WINOGRAD', () => {
  it('defaults to auto, takes off/F2/F4/auto, and names the variable and the choices for anything else', () => {
    expect(winogradModeFromEnv(undefined)).toBe('auto');
    expect(winogradModeFromEnv('')).toBe('auto');
    for (const mode of ['off', 'F2', 'F4', 'auto']) expect(winogradModeFromEnv(mode)).toBe(mode);
    expect(() => winogradModeFromEnv('f4')).toThrow('MMPRETRAIN_WEB_WINOGRAD=f4: expected one of auto, off, F2, F4');
  });
});
