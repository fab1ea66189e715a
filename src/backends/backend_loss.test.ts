import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { backendLabel, isBackendLostError, loseActiveBackend, lossFromError, nextBackend, switchBackend, watchBackendLoss, type BackendLoss } from './backend_loss';
import { tf } from './tf';

/** tfjs-backend-webgl's slice a watch reads: `gpgpu.gl` with its canvas (an EventTarget, as an OffscreenCanvas is). */
function fakeWebGl() {
  let lost = false;
  const canvas = new EventTarget();
  const gl = {
    canvas,
    isContextLost: () => lost,
    getExtension: (name: string) =>
      name === 'WEBGL_lose_context'
        ? {
            loseContext() {
              // As Chromium: isContextLost() turns true at once, the event comes as a later task.
              lost = true;
              setTimeout(() => canvas.dispatchEvent(new Event('webglcontextlost')), 5);
            },
          }
        : null,
  };
  return { backend: { gpgpu: { gl } }, gl };
}

/** tfjs-backend-webgpu's slice: `device.lost` (settled by `destroy()` with reason 'destroyed', as GPUDevice does). */
function fakeWebGpu() {
  let settle!: (info: { reason: string; message: string }) => void;
  const device = { lost: new Promise<{ reason: string; message: string }>((r) => (settle = r)), destroy: () => settle({ reason: 'destroyed', message: 'Device was destroyed.' }) };
  return { backend: { device }, device, reset: (message: string) => settle({ reason: 'unknown', message }) };
}

describe('watching a backend for loss', () => {
  it('WebGL: gl.isContextLost() is seen at once by check(), the webglcontextlost event calls back once', async () => {
    const { backend, gl } = fakeWebGl();
    const seen: BackendLoss[] = [];
    const watch = watchBackendLoss((l) => seen.push(l), { name: 'webgl', backend });
    expect(watch.canLose).toBe(true);
    expect(watch.check()).toBeNull();
    (gl.getExtension('WEBGL_lose_context') as { loseContext(): void }).loseContext();
    const loss = watch.check();
    expect(loss).toEqual({ backend: 'webgl', kind: 'context-lost', detail: 'webglcontextlost', message: 'WebGL context lost' });
    expect(await watch.whenLost).toBe(loss);
    await new Promise((r) => setTimeout(r, 20)); // the event arrives: no second call
    expect(seen).toEqual([loss]);
    expect(watch.lost).toBe(loss);
  });

  it('WebGL: the event alone (no check) settles the watch; a stopped watch calls nobody', async () => {
    const a = fakeWebGl();
    const seen: BackendLoss[] = [];
    const watch = watchBackendLoss((l) => seen.push(l), { name: 'webgl', backend: a.backend });
    a.gl.canvas.dispatchEvent(new Event('webglcontextlost'));
    expect((await watch.whenLost).message).toBe('WebGL context lost');
    expect(seen.length).toBe(1);
    const b = fakeWebGl();
    const stopped = watchBackendLoss(() => seen.push({} as BackendLoss), { name: 'webgl', backend: b.backend });
    stopped.stop();
    b.gl.canvas.dispatchEvent(new Event('webglcontextlost'));
    await new Promise((r) => setTimeout(r, 5));
    expect(stopped.lost).toBeNull();
    expect(seen.length).toBe(1);
  });

  it("WebGPU: device.lost settles the watch with the reason ('destroyed' after destroy(), the message otherwise)", async () => {
    const a = fakeWebGpu();
    const watch = watchBackendLoss(undefined, { name: 'webgpu', backend: a.backend });
    expect(watch.check()).toBeNull(); // WebGPU tells only through the promise
    a.device.destroy();
    expect(await watch.whenLost).toEqual({ backend: 'webgpu', kind: 'device-lost', detail: 'destroyed: Device was destroyed.', message: 'WebGPU device lost (destroyed: Device was destroyed.)' });
    const b = fakeWebGpu();
    const w2 = watchBackendLoss(undefined, { name: 'webgpu', backend: b.backend });
    b.reset('D3D12 device removed');
    expect((await w2.whenLost).message).toBe('WebGPU device lost (D3D12 device removed)');
  });

  it('WASM and CPU cannot be lost: their watch never fires; losing them on purpose does nothing', async () => {
    await tf.setBackend('wasm');
    const watch = watchBackendLoss();
    expect(watch).toMatchObject({ backend: 'wasm', canLose: false, lost: null });
    expect(watch.check()).toBeNull();
    expect(loseActiveBackend()).toEqual({ backend: 'wasm', done: false, how: 'wasm cannot be lost' });
    expect(await Promise.race([watch.whenLost, new Promise((r) => setTimeout(() => r('still running'), 20))])).toBe('still running');
  });
});

describe('errors that mean the device is gone', () => {
  it('recognises the lost-device messages and leaves other failures alone', () => {
    // Chromium / Dawn and tfjs messages of ops on a lost device or context.
    expect(isBackendLostError(new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost"))).toBe(true);
    expect(isBackendLostError(new Error("GPUDevice was lost: reason 'unknown'"))).toBe(true);
    expect(isBackendLostError(Object.assign(new Error('Instance dropped in popErrorScope'), { name: 'OperationError' }))).toBe(true);
    expect(isBackendLostError(new Error('WebGL Error: CONTEXT_LOST_WEBGL'))).toBe(true);
    expect(isBackendLostError(new Error('WebGL context lost'))).toBe(true);
    expect(isBackendLostError(new Error("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"))).toBe(false);
    expect(isBackendLostError(new RangeError('Array buffer allocation failed'))).toBe(false);
    expect(lossFromError('webgpu', new Error('Device is lost'))).toEqual({ backend: 'webgpu', kind: 'error', detail: 'Device is lost', message: 'WebGPU device lost (Device is lost)' });
    expect(backendLabel('wasm')).toBe('WASM');
  });
});

describe('the next backend', () => {
  it('goes WebGPU → WebGL → WASM → CPU, skipping the failed ones', () => {
    expect(nextBackend('webgpu')).toBe('webgl');
    expect(nextBackend('webgpu', ['webgl'])).toBe('wasm');
    expect(nextBackend('webgl')).toBe('wasm');
    expect(nextBackend('wasm')).toBe('cpu');
    expect(nextBackend('cpu')).toBeNull();
    expect(nextBackend('webgl', ['wasm', 'cpu'])).toBeNull();
    expect(nextBackend('tensorflow')).toBe('webgpu');
  });

  it('switchBackend starts the next one that initialises, and says why the others did not', async () => {
    const tried: string[] = [];
    const r = await switchBackend('webgl', ['webgpu'], async (name) => {
      tried.push(name);
      return name === 'webgl' ? 'webgl is not supported here' : null;
    });
    expect(r).toEqual({ backend: 'wasm', failed: { webgl: 'webgl is not supported here' } });
    expect(tried).toEqual(['webgl', 'wasm']);
    await expect(switchBackend('wasm', [], async (n) => `${n} failed to initialise`)).rejects.toThrow('no backend left to continue on (wasm: wasm failed to initialise; cpu: cpu failed to initialise)');
  });

  it('re-initialises tfjs on the next backend for real (Node: WASM, then CPU)', async () => {
    await tf.setBackend('wasm');
    expect(await switchBackend(nextBackend('wasm')!)).toEqual({ backend: 'cpu', failed: {} });
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(await tf.add(tf.tensor1d([1, 2]), 1).data())).toEqual([2, 3]);
    // WebGPU and WebGL do not start in Node: the switch goes on to WASM.
    const r = await switchBackend('webgpu');
    expect(r.backend).toBe('wasm');
    expect(Object.keys(r.failed).sort()).toEqual(['webgl', 'webgpu']);
    expect(tf.getBackend()).toBe('wasm');
  });
});
