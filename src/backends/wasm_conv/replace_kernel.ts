/** Swapping one of a tfjs backend's kernels for ours, which may call the original for what it does not handle. */
import { getKernel, registerKernel, unregisterKernel, type KernelFunc } from '@tensorflow/tfjs-core';

const replaced = new Set<string>();

/** Replaces `backendName`'s `kernelName` by `make(original)`, once, keeping the original's setup and dispose. */
export function replaceKernel(kernelName: string, backendName: string, make: (original: KernelFunc) => KernelFunc): void {
  const key = `${backendName}/${kernelName}`;
  const own = getKernel(kernelName, backendName);
  if (replaced.has(key) || !own) return;
  unregisterKernel(kernelName, backendName);
  registerKernel({ kernelName, backendName, kernelFunc: make(own.kernelFunc), setupFunc: own.setupFunc, disposeFunc: own.disposeFunc });
  replaced.add(key);
}
