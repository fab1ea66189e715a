import { backend_util, DepthwiseConv2dNativeBackpropInput, type DepthwiseConv2dNativeBackpropInputAttrs, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope } from '../kernel_scope';
import { convInputGradient } from './Conv2DBackpropInput';

/**
 * The input gradient of a depthwise convolution (channel multiplier 1), which tfjs's WASM backend lacks: depthwise
 * convolutions of dy with the rotated filter, split into phases for strides > 1, as for a dense convolution.
 */
export function depthwiseBackpropInputComposite(backendName: string): KernelConfig {
  return {
    kernelName: DepthwiseConv2dNativeBackpropInput,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
      const filterShape = filter.shape as [number, number, number, number];
      if (filterShape[3] !== 1) throw new Error(`DepthwiseConv2dNativeBackpropInput on '${backendName}': channel multiplier ${filterShape[3]} is not supported (only 1)`);
      const info = backend_util.computeConv2DInfo(inputShape, filterShape, strides, dilations, pad, dimRoundingMode, true);
      const scope = new KernelScope(backend as KernelBackend, backendName);
      return scope.finish(convInputGradient(scope, 'DepthwiseConv2dNative', dy, filter, info, backendName));
    },
  };
}
