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

export function memorySnapshot(): MemorySnapshot {
  const m = tf.memory() as ReturnType<typeof tf.memory> & { numBytesInGPU?: number };
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
