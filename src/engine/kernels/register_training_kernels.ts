import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterComposite } from './wasm/Conv2DBackpropFilter';
import { depthwiseBackpropFilterComposite } from './wasm/DepthwiseConv2dNativeBackpropFilter';
import { depthwiseBackpropInputComposite } from './wasm/DepthwiseConv2dNativeBackpropInput';

/** Gradient kernels that training needs and a backend may lack, built from that backend's own kernels. */
const COMPOSITES: ((backendName: string) => KernelConfig)[] = [
  conv2DBackpropFilterComposite,
  depthwiseBackpropFilterComposite,
  depthwiseBackpropInputComposite,
];

/**
 * Registers, for `backendName` (default `'wasm'`), each training kernel it does not already have, so that
 * convolutional networks can be trained on tfjs's WASM backend. Returns the kernel names it added.
 */
export function registerTrainingKernels(backendName = 'wasm'): string[] {
  const added: string[] = [];
  for (const make of COMPOSITES) {
    const config = make(backendName);
    if (getKernel(config.kernelName, backendName)) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
