import { describe, expect, it } from 'vitest';
import type { GpuInfo } from '../../ui/benchHooks';
import { runtimeLabel } from '../../ui/benchHooks';
import { UsageError } from '../command';
import command, { describeGpus } from './bench-browser';

/** What headless Chromium reported here (`bench-browser --json`): SwiftShader behind both GPU backends. */
const SWIFTSHADER: GpuInfo = {
  webgpu: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true, isSoftware: true, limits: {} },
  webglRenderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
  webglSoftware: true,
  wasm: { simd: true, threads: 2, conv: 'conv: FMA, 2 threads' },
  userAgent: 'HeadlessChrome/156',
  cores: 2,
};

describe('bench-browser', () => {
  it('labels a software adapter as a fallback, not a real GPU; a hardware one by its name', () => {
    expect(runtimeLabel('webgpu', SWIFTSHADER)).toBe('browser webgpu (google swiftshader, fallback (CPU), not a real GPU)');
    expect(runtimeLabel('webgl', SWIFTSHADER)).toBe('browser webgl (SwiftShader, fallback (CPU), not a real GPU)');
    expect(runtimeLabel('wasm', SWIFTSHADER)).toBe('browser wasm (2 threads, SIMD; conv: FMA, 2 threads)');
    expect(runtimeLabel('wasm', { ...SWIFTSHADER, wasm: { simd: true, threads: 1, conv: null } })).toBe('browser wasm (1 thread, SIMD)');
    const nvidia: GpuInfo = {
      ...SWIFTSHADER,
      webgpu: { ...SWIFTSHADER.webgpu!, vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false, isSoftware: false },
      webglRenderer: 'ANGLE (NVIDIA, NVIDIA H100 80GB HBM3 (0x00002330) Direct3D11 vs_5_0 ps_5_0)',
      webglSoftware: false,
    };
    expect(runtimeLabel('webgpu', nvidia)).toBe('browser webgpu (nvidia hopper)');
    expect(runtimeLabel('webgl', nvidia)).toBe('browser webgl (NVIDIA, NVIDIA H100 80GB HBM3 (0x00002330) Direct3D11 vs_5_0 ps_5_0)');
    const lines = describeGpus(SWIFTSHADER);
    expect(lines[0]).toBe('WebGPU adapter: vendor=google architecture=swiftshader isFallbackAdapter=true → fallback (CPU), not a real GPU');
    expect(lines[1]).toMatch(/^WebGL renderer: ANGLE .*SwiftShader driver\) → fallback \(CPU\), not a real GPU$/);
    expect(describeGpus(nvidia)[0]).toMatch(/isFallbackAdapter=false → a real GPU$/);
  });

  it('refuses bad options before starting anything', async () => {
    const io = { out: () => {}, err: () => {} };
    await expect(command.run(['--backends', 'cuda'], io)).rejects.toThrow(UsageError);
    await expect(command.run(['--batches', '0'], io)).rejects.toThrow(/--batches must be positive integers/);
    await expect(command.run(['--max-seconds', 'x'], io)).rejects.toThrow(/--max-seconds must be a positive number/);
  });
});
