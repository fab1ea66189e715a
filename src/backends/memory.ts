/** tfjs memory as the status bar shows it. */
import { tf } from './tf';

export interface MemorySnapshot {
  backend: string;
  numTensors: number;
  numBytes: number;
  /** GPU bytes (WebGL/WebGPU), when the backend reports them. */
  numBytesInGPU?: number;
  numDataBuffers: number;
}

/** tfjs memory counters, or null while the active backend is still initialising (tfjs throws then). */
export function memorySnapshot(): MemorySnapshot | null {
  let m: ReturnType<typeof tf.memory> & { numBytesInGPU?: number };
  try {
    m = tf.memory();
  } catch {
    return null;
  }
  return {
    backend: tf.getBackend() ?? 'none',
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    numBytesInGPU: m.numBytesInGPU,
    numDataBuffers: m.numDataBuffers,
  };
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
