import { Conv2DBackpropInput, getKernel, registerKernel, Tile, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterComposite } from './wasm/Conv2DBackpropFilter';
import { conv2DBackpropInputComposite } from './wasm/Conv2DBackpropInput';
import { broadcastTileComposite } from './wasm/Tile';
import { depthwiseBackpropFilterComposite } from './wasm/DepthwiseConv2dNativeBackpropFilter';
import { depthwiseBackpropInputComposite } from './wasm/DepthwiseConv2dNativeBackpropInput';

/** Gradient kernels that training needs and a backend may lack, built from that backend's own kernels. */
const COMPOSITES: ((backendName: string) => KernelConfig)[] = [
  conv2DBackpropFilterComposite,
  depthwiseBackpropFilterComposite,
  depthwiseBackpropInputComposite,
];

/**
 * Kernels the backend has but computes far slower than a composite of its fast kernels (replaced once); each may
 * fall back to the backend's own kernel, which it receives.
 */
const REPLACEMENTS: [string, (backendName: string, original: KernelFunc) => KernelConfig][] = [
  [Conv2DBackpropInput, conv2DBackpropInputComposite],
  [Tile, broadcastTileComposite],
];

const replaced = new Set<string>();

/**
 * Registers, for `backendName` (default `'wasm'`), each training kernel it does not already have, and
 * replaces its slow Conv2DBackpropInput and Tile, so that convolutional networks train on tfjs's WASM backend.
 * Returns the kernel names it added or replaced (none on a second call).
 */
export function registerTrainingKernels(backendName = 'wasm'): string[] {
  const added: string[] = [];
  for (const make of COMPOSITES) {
    const config = make(backendName);
    if (getKernel(config.kernelName, backendName)) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  for (const [kernelName, make] of REPLACEMENTS) {
    const key = `${backendName}/${kernelName}`;
    const own = getKernel(kernelName, backendName);
    if (replaced.has(key) || !own) continue;
    unregisterKernel(kernelName, backendName);
    registerKernel(make(backendName, own.kernelFunc));
    replaced.add(key);
    added.push(kernelName);
  }
  return added;
}
