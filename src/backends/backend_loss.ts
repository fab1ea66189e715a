/**
 * A lost backend and the way on: WebGPU's `GPUDevice.lost` (a driver reset, the GPU process restarted, the device
 * destroyed), WebGL's `webglcontextlost` (the browser took the context back: too many contexts, a GPU reset, a tab
 * in the background too long). Tensors on a lost backend cannot be read any more (WebGL reads back zeros or waits
 * forever on a fence; WebGPU rejects every `mapAsync`), so whoever used it continues from state kept elsewhere, on
 * the next backend: WebGPU → WebGL → WASM → CPU, skipping the ones that failed.
 *
 * Works in the page, a worker and Node (where WASM and CPU are never lost, so a watch there never fires).
 *
 * @example
 * const watch = watchBackendLoss((loss) => console.warn(loss.message)); // "WebGL context lost"
 * // … after a loss:
 * const { backend } = await switchBackend(nextBackend('webgl', ['webgl'])!); // 'wasm'
 */
import { BACKEND_NAMES, isBackendName, type BackendName } from './names';
import { ensureRegistered, startedBackend } from './register';
import { tf } from './tf';

/** What was lost, and how it was noticed. */
export interface BackendLoss {
  /** The backend that was lost (`webgpu`, `webgl`). */
  backend: string;
  /** `device-lost` (WebGPU), `context-lost` (WebGL), or `error`: an op failed with a message that means the device is gone. */
  kind: 'device-lost' | 'context-lost' | 'error';
  /** What the browser said (WebGPU's `GPUDeviceLostInfo.reason` / `.message`, or the failed op's message). */
  detail: string;
  /** One line for the user: "WebGPU device lost (destroyed)". */
  message: string;
}

/** A watch on one backend instance. */
export interface BackendWatch {
  /** The backend watched (tfjs's name). */
  readonly backend: string;
  /** Whether this backend can be lost at all (WebGPU, WebGL); a watch on WASM or CPU never fires. */
  readonly canLose: boolean;
  /** The loss, once noticed (by the event, or by {@link BackendWatch.check}). */
  readonly lost: BackendLoss | null;
  /** Looks now (WebGL: `gl.isContextLost()`, which turns true at once while the event comes later); the loss or null. */
  check(): BackendLoss | null;
  /** Settles with the loss when it is noticed (never, for a backend that cannot be lost). */
  readonly whenLost: Promise<BackendLoss>;
  /** Stops watching (the callback is not called any more). */
  stop(): void;
}

/** The studio's names for the backends in messages. */
const LABELS: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/** `webgpu` → `WebGPU` (unknown names as they are). */
export function backendLabel(name: string): string {
  return LABELS[name] ?? name;
}

/** The slices of tfjs's WebGPU and WebGL backends a watch reads (structural: no @webgpu/types, no DOM lib needed). */
interface GpuDeviceLike {
  lost?: Promise<{ reason?: string; message?: string }>;
  destroy?(): void;
}
interface WebGlLike {
  isContextLost?(): boolean;
  getExtension?(name: string): unknown;
  canvas?: { addEventListener?(type: string, fn: (e: unknown) => void): void; removeEventListener?(type: string, fn: (e: unknown) => void): void };
}
interface BackendLike {
  device?: GpuDeviceLike;
  gpgpu?: { gl?: WebGlLike; itemsToPoll?: unknown[] };
}

/**
 * Messages of ops that failed because the device or context is gone: Dawn / Chromium's "Device is lost", "GPUDevice
 * was lost", "Instance dropped", a `mapAsync` aborted on a destroyed device; WebGL's `CONTEXT_LOST_WEBGL` (tfjs's
 * `checkWebGLError`), "context lost"; tfjs's "Unable to create WebGLTexture" once the context is gone is only a
 * loss when the watch says so (it is also what an exhausted GPU says).
 */
const LOST_MESSAGE = /device (was |is |has been )?lost|GPUDevice.*lost|lost device|instance dropped|context (was |is )?lost|CONTEXT_LOST|device (was |is |has been )?destroyed|mapAsync.*(destroyed|abort)/i;

/** Whether an error thrown by an op means the backend's device or context is gone. */
export function isBackendLostError(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null;
  const text = `${e?.name ?? ''}: ${e?.message ?? String(err)}`;
  return LOST_MESSAGE.test(text);
}

/** A loss described from a failed op's error (for a loss no event announced). */
export function lossFromError(backend: string, err: unknown): BackendLoss {
  const detail = err instanceof Error ? err.message : String(err);
  const what = backend === 'webgl' ? 'context' : 'device';
  return { backend, kind: 'error', detail, message: `${backendLabel(backend)} ${what} lost (${detail})` };
}

/**
 * Watches the active tfjs backend (or `backend`, named `name`) for loss and calls `onLost` once when it is lost.
 * WebGPU: the device's `lost` promise (a `destroy()` too: reason `destroyed`). WebGL: `webglcontextlost` on the
 * backend's canvas (an `OffscreenCanvas` in a worker) and `gl.isContextLost()` at each {@link BackendWatch.check}.
 * Other backends: a watch that never fires.
 */
export function watchBackendLoss(onLost: (loss: BackendLoss) => void = () => {}, options: { name?: string; backend?: unknown } = {}): BackendWatch {
  const name = options.name ?? tf.getBackend() ?? 'none';
  const be = (options.backend ?? (name === tf.getBackend() ? tf.backend() : startedBackend(name))) as BackendLike | null;
  let lost: BackendLoss | null = null;
  let stopped = false;
  let resolve!: (l: BackendLoss) => void;
  const whenLost = new Promise<BackendLoss>((r) => (resolve = r));
  const fire = (loss: BackendLoss): BackendLoss => {
    if (lost) return lost;
    lost = loss;
    resolve(loss);
    if (!stopped) onLost(loss);
    return loss;
  };
  const cleanups: (() => void)[] = [];
  let check: () => BackendLoss | null = () => lost;
  const device = name === 'webgpu' ? be?.device : undefined;
  const gl = name === 'webgl' ? be?.gpgpu?.gl : undefined;
  if (device?.lost) {
    void device.lost.then((info) => {
      const reason = info?.reason && info.reason !== 'unknown' ? info.reason : '';
      const detail = [reason, info?.message].filter(Boolean).join(': ');
      fire({ backend: name, kind: 'device-lost', detail, message: `WebGPU device lost${detail ? ` (${detail})` : ''}` });
    });
  }
  if (gl) {
    const contextLost = (): BackendLoss => fire({ backend: name, kind: 'context-lost', detail: 'webglcontextlost', message: 'WebGL context lost' });
    const listener = () => void contextLost();
    gl.canvas?.addEventListener?.('webglcontextlost', listener);
    cleanups.push(() => gl.canvas?.removeEventListener?.('webglcontextlost', listener));
    check = () => lost ?? (gl.isContextLost?.() ? contextLost() : null);
  }
  return {
    backend: name,
    canLose: Boolean(device?.lost || gl),
    get lost() {
      return lost;
    },
    check: () => check(),
    whenLost,
    stop() {
      stopped = true;
      for (const c of cleanups) c();
    },
  };
}

/**
 * The backend to continue on after `current` was lost: the next one in WebGPU → WebGL → WASM → CPU order that is
 * not in `skip` (the lost ones, and those that failed to start); null when none is left.
 */
export function nextBackend(current: string, skip: Iterable<string> = []): BackendName | null {
  const skipped = new Set<string>([...skip, current]);
  // Only later ones (a faster backend earlier in the list was not chosen, or failed); from the top for an unknown one.
  const start = isBackendName(current) ? BACKEND_NAMES.indexOf(current) + 1 : 0;
  return BACKEND_NAMES.slice(start).find((n) => !skipped.has(n)) ?? null;
}

export interface SwitchResult {
  /** The backend now active. */
  backend: BackendName;
  /** Backends tried before it that could not start, with why. */
  failed: Partial<Record<BackendName, string>>;
}

/**
 * Re-initialises tfjs on `next` (registering it on demand); when it cannot start, on the next ones after it (see
 * {@link nextBackend}), never on `skip`. The lost backend stays registered (tfjs cannot register a package's
 * backend again once removed) but is not used again. Throws when none starts.
 */
export async function switchBackend(next: BackendName, skip: Iterable<string> = [], initialise: (name: BackendName) => Promise<string | null> = startBackend): Promise<SwitchResult> {
  const skipped = new Set<string>(skip);
  const failed: Partial<Record<BackendName, string>> = {};
  for (let name: BackendName | null = next; name; name = nextBackend(name, skipped)) {
    const error = await initialise(name);
    if (!error) return { backend: name, failed };
    failed[name] = error;
    skipped.add(name);
  }
  throw new Error(`no backend left to continue on (${Object.entries(failed).map(([n, e]) => `${n}: ${e}`).join('; ') || `skipped ${[...skipped].join(', ')}`})`);
}

/** Registers `name` and makes it tfjs's backend; an error text, or null. */
async function startBackend(name: BackendName): Promise<string | null> {
  if (!(await ensureRegistered(name))) return `${name} is not supported here`;
  try {
    return (await tf.setBackend(name)) ? null : `${name} failed to initialise`;
  } catch (err) {
    return `${name} failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Stops what a lost backend keeps doing in the background. tfjs's WebGL backend polls the fences of pending reads
 * every few milliseconds until they pass, and a lost context's fences never pass: the poll would run for as long as
 * the worker lives. Its queue is emptied (the reads waiting on it never settle; their run was abandoned).
 */
export function quietLostBackend(name: string): void {
  const be = startedBackend(name) as BackendLike | null;
  if (name === 'webgl' && be?.gpgpu && Array.isArray(be.gpgpu.itemsToPoll)) be.gpgpu.itemsToPoll = [];
}

/**
 * Loses the active backend on purpose (tests only): WebGL through `WEBGL_lose_context.loseContext()`, WebGPU
 * through `device.destroy()`. Returns what it did, or why it could not (WASM and CPU cannot be lost).
 */
export function loseActiveBackend(): { backend: string; done: boolean; how: string } {
  const name = tf.getBackend() ?? 'none';
  const be = tf.backend() as BackendLike;
  if (name === 'webgl') {
    const ext = be.gpgpu?.gl?.getExtension?.('WEBGL_lose_context') as { loseContext(): void } | null | undefined;
    if (!ext) return { backend: name, done: false, how: 'WEBGL_lose_context is not available' };
    ext.loseContext();
    return { backend: name, done: true, how: 'WEBGL_lose_context.loseContext()' };
  }
  if (name === 'webgpu' && be.device?.destroy) {
    be.device.destroy();
    return { backend: name, done: true, how: 'GPUDevice.destroy()' };
  }
  return { backend: name, done: false, how: `${name} cannot be lost` };
}
