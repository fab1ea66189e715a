/**
 * WebGPU adapter detection by feature detection only (page, worker or Node): which GPU tfjs's WebGPU backend would
 * get, and whether it is a software one (a fallback adapter, SwiftShader, llvmpipe) that is far slower than WASM.
 */

/** What the studio reports about a GPU adapter (WebGPU's `GPUAdapterInfo`, plus the fallback flag). */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The user agent says this is a fallback (software) adapter. */
  isFallbackAdapter: boolean;
  /** Fallback, or named like a software rasteriser (SwiftShader, llvmpipe, lavapipe, Microsoft Basic Render). */
  isSoftware: boolean;
  /** A few limits that decide which models fit. */
  limits: { maxStorageBufferBindingSize?: number; maxComputeWorkgroupStorageSize?: number; maxBufferSize?: number };
}

/** The slice of `navigator.gpu` this module reads (structural, so no @webgpu/types dependency). */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface AdapterLike {
  info?: AdapterInfoLike;
  /** Older Chromium (before `adapter.info`). */
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
  /** Older spec: on the adapter rather than on its info. */
  isFallbackAdapter?: boolean;
  limits?: Record<string, number | undefined>;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|basic render|software/i;

/** True when an adapter's strings name a software rasteriser. */
export function namesSoftwareRenderer(...texts: (string | undefined)[]): boolean {
  return texts.some((t) => t !== undefined && SOFTWARE_NAMES.test(t));
}

/** `navigator.gpu` where this global scope has one (page or worker), else undefined. */
export function findGpu(scope: unknown = globalThis): GpuLike | undefined {
  const nav = (scope as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu && typeof nav.gpu.requestAdapter === 'function' ? nav.gpu : undefined;
}

/** Describes an adapter (reads `adapter.info`, else `requestAdapterInfo()`). */
export async function describeAdapter(adapter: AdapterLike): Promise<AdapterReport> {
  let info: AdapterInfoLike = adapter.info ?? {};
  if (!adapter.info && typeof adapter.requestAdapterInfo === 'function') {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      info = {};
    }
  }
  const isFallbackAdapter = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false);
  const report: AdapterReport = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter,
    isSoftware: false,
    limits: {
      maxStorageBufferBindingSize: adapter.limits?.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits?.maxComputeWorkgroupStorageSize,
      maxBufferSize: adapter.limits?.maxBufferSize,
    },
  };
  report.isSoftware = isFallbackAdapter || namesSoftwareRenderer(report.vendor, report.architecture, report.device, report.description);
  return report;
}

/** Requests the adapter tfjs's WebGPU backend would use (high-performance) and describes it; null without WebGPU. */
export async function detectWebGpuAdapter(gpu: GpuLike | undefined = findGpu()): Promise<AdapterReport | null> {
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? await describeAdapter(adapter) : null;
  } catch {
    return null;
  }
}

/** A short human label: "google swiftshader (fallback)". */
export function adapterLabel(report: AdapterReport | null): string {
  if (!report) return 'no WebGPU adapter';
  const name = [report.vendor, report.architecture || report.device || report.description].filter(Boolean).join(' ') || 'unnamed adapter';
  return report.isSoftware ? `${name} (software)` : name;
}

/** A stable key for an adapter, so a remembered choice is re-measured when the hardware changes. */
export function adapterKey(report: AdapterReport | null): string {
  if (!report) return 'none';
  return [report.vendor, report.architecture, report.device, report.description, report.isFallbackAdapter ? 'fallback' : 'hw'].join('|');
}
