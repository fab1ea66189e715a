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

// Re-exported so `formatBytes` stays where the engine found it; the status bar imports it without tfjs.
export { formatBytes } from './format_bytes';
