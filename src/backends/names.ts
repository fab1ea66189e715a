/** The tfjs backends the studio knows, fastest-first when the hardware is real. */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** GPU backends: fast on a real GPU, far slower than WASM on a software rasteriser (SwiftShader). */
export const GPU_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl'];

export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && (BACKEND_NAMES as readonly string[]).includes(name);
}
