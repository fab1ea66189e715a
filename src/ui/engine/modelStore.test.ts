/** The engine's model store on the reference models: one copy per key, the old model disposed, tensor count flat. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { useBackend } from '../../models/node';
import { refPath } from '../../models/testing/reference';
import { missingShared } from '../../testing/shared';
import { checkpointIdentity, configKey, ModelStore, type ModelRequest } from './modelStore';

const bytes = (p: string) => {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const cfgOf = (n: string) => JSON.parse(readFileSync(refPath(n, '_cfg.json'), 'utf8')) as Record<string, unknown>;
const request = (n: string, data: Blob | ArrayBuffer, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  config: { name: `${n}_cfg.json`, dict: cfgOf(n) },
  checkpoint: { name: `${n}.safetensors`, data },
  backend: 'wasm',
  fuseConvBn: false,
  ...extra,
});
/** The same dict with its keys written in the opposite order (at every level). */
const reversed = (v: unknown): unknown => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v);

describe.skipIf(missingShared(refPath('lenet5', '.safetensors'), refPath('resnet18_cifar_w16', '.safetensors')))('ModelStore', () => {
  it('same key: the same model (a File or the bytes handed over); another key: the old one disposed, the tensor count back where it was', async () => {
    await useBackend('wasm');
    const store = new ModelStore();
    const base = tf.memory().numTensors;
    const lenetBytes = bytes(refPath('lenet5', '.safetensors'));
    const resnetBytes = bytes(refPath('resnet18_cifar_w16', '.safetensors'));

    const a = await store.acquire(request('lenet5', new Blob([lenetBytes])));
    expect(a.reused).toBe(false);
    const withLenet = tf.memory().numTensors;
    expect(withLenet).toBeGreaterThan(base);
    // The same checkpoint as bytes (what the CAM panel gets from the Inference panel), the config's keys in another order.
    const b = await store.acquire({ ...request('lenet5', lenetBytes.slice(0)), config: { name: 'other name.json', dict: reversed(cfgOf('lenet5')) as Record<string, unknown> } });
    expect(b.reused).toBe(true);
    expect(b.stored).toBe(a.stored);
    expect(tf.memory().numTensors).toBe(withLenet);
    expect(store.loads).toBe(1);

    // Another model: the one held is disposed first (its dispose listeners run), only the new one's tensors remain.
    let disposed = 0;
    a.stored.onDispose(() => disposed++);
    const c = await store.acquire(request('resnet18_cifar_w16', new Blob([resnetBytes])));
    expect([c.reused, a.stored.live, c.stored.live, disposed]).toEqual([false, false, true, 1]);
    const withResnet = tf.memory().numTensors;
    console.log(`[modelStore] tensors: none ${base}, lenet5 ${withLenet} (+${withLenet - base}), resnet18_cifar_w16 ${withResnet} (+${withResnet - base})`);
    // LeNet-5 left nothing behind: ResNet alone, loaded with nothing held, is as many tensors.
    store.release();
    expect(tf.memory().numTensors).toBe(base);
    await store.acquire(request('resnet18_cifar_w16', new Blob([resnetBytes])));
    expect(tf.memory().numTensors).toBe(withResnet);

    // Each change of key is a reload: backend, fused conv+BN.
    const fused = await store.acquire(request('resnet18_cifar_w16', new Blob([resnetBytes]), { fuseConvBn: true }));
    expect([fused.reused, fused.stored.fusedConvBn]).toEqual([false, true]);
    expect(tf.memory().numTensors).toBeLessThan(withResnet); // BN folded away
    const cpuKey = await store.keyOf(request('resnet18_cifar_w16', resnetBytes, { backend: 'cpu' }));
    expect(cpuKey).not.toBe(fused.stored.key);

    // Back and forth: flat (no model leaks a tensor).
    for (let round = 0; round < 2; round++) {
      await store.acquire(request('lenet5', lenetBytes.slice(0)));
      expect(tf.memory().numTensors).toBe(withLenet);
      await store.acquire(request('resnet18_cifar_w16', resnetBytes.slice(0)));
      expect(tf.memory().numTensors).toBe(withResnet);
    }
    expect(store.loads).toBe(8);

    // A load that fails leaves none held and nothing allocated.
    await expect(store.acquire({ ...request('resnet18_cifar_w16', new Blob([lenetBytes])), checkpoint: { name: 'lenet5.safetensors', data: new Blob([lenetBytes]) } })).rejects.toThrow(
      'lenet5.safetensors: no weight fits this model (resnet18_cifar_w16_cfg)',
    );
    expect(store.held).toBeNull();
    expect(tf.memory().numTensors).toBe(base);
    await store.acquire(request('lenet5', lenetBytes.slice(0)));
    store.release();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('checkpoint identity: name, size and a sample of the bytes; a Blob and its bytes are the same', async () => {
    const big = new Uint8Array(3 << 20).map((_, i) => (i * 31) & 255);
    const id = await checkpointIdentity({ name: 'epoch_3.pth', data: big.buffer });
    expect(await checkpointIdentity({ name: 'epoch_3.pth', data: new Blob([big]) })).toBe(id);
    expect(await checkpointIdentity({ name: 'epoch_4.pth', data: big.buffer })).not.toBe(id);
    // another training's weights, same name and size: the last tensor (the head) differs
    const retrained = big.slice();
    retrained[retrained.length - 10] ^= 1;
    expect(await checkpointIdentity({ name: 'epoch_3.pth', data: retrained.buffer })).not.toBe(id);
    // a small file is hashed whole
    const small = new Uint8Array(1000).fill(3);
    const smallId = await checkpointIdentity({ name: 's.pth', data: small.buffer });
    small[500] = 4;
    expect(await checkpointIdentity({ name: 's.pth', data: small.buffer })).not.toBe(smallId);
    expect(configKey({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(configKey({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });
});
