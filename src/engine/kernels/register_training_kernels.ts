import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterComposite } from './wasm/Conv2DBackpropFilter';
import { conv2DBackpropInputComposite } from './wasm/Conv2DBackpropInput';
import { depthwiseBackpropFilterComposite } from './wasm/DepthwiseConv2dNativeBackpropFilter';
import { depthwiseBackpropInputComposite } from './wasm/DepthwiseConv2dNativeBackpropInput';

/** Gradient kernels that training needs and a backend may lack, built from that backend's own kernels. */
const COMPOSITES: ((backendName: string) => KernelConfig)[] = [
  conv2DBackpropFilterComposite,
  depthwiseBackpropFilterComposite,
  depthwiseBackpropInputComposite,
];

/** Kernels the backend has but computes far slower than a composite of its fast kernels (replaced once). */
const REPLACEMENTS: ((backendName: string) => KernelConfig)[] = [conv2DBackpropInputComposite];

const replaced = new Set<string>();

/**
 * Registers, for `backendName` (default `'wasm'`), each training kernel it does not already have, and
 * replaces its slow Conv2DBackpropInput, so that convolutional networks train on tfjs's WASM backend.
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
  for (const make of REPLACEMENTS) {
    const config = make(backendName);
    const key = `${backendName}/${config.kernelName}`;
    if (replaced.has(key)) continue;
    if (getKernel(config.kernelName, backendName)) unregisterKernel(config.kernelName, backendName);
    registerKernel(config);
    replaced.add(key);
    added.push(config.kernelName);
  }
  return added;
}
