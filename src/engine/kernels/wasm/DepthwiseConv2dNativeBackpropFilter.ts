import { backend_util, DepthwiseConv2dNativeBackpropFilter, type DepthwiseConv2dNativeBackpropFilterAttrs, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope, padSpatial, sliceWindow } from '../kernel_scope';

/**
 * The filter gradient of a depthwise convolution (channel multiplier 1), which tfjs's WASM backend lacks:
 * for each tap (i, j), dW[i, j, c] = Σ_{n,h,w} X(i, j)[n, h, w, c] · dY[n, h, w, c].
 */
export function depthwiseBackpropFilterComposite(backendName: string): KernelConfig {
  return {
    kernelName: DepthwiseConv2dNativeBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
      if (filterShape[3] !== 1) throw new Error(`DepthwiseConv2dNativeBackpropFilter on '${backendName}': channel multiplier ${filterShape[3]} is not supported (only 1)`);
      const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
      const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: oh, outWidth: ow, inChannels: c, padInfo } = info;
      const scope = new KernelScope(backend as KernelBackend, backendName);
      const xp = padSpatial(scope, x, padInfo.top, padInfo.bottom, padInfo.left, padInfo.right);
      const taps: TensorInfo[] = [];
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const prod = scope.run('Multiply', { a: sliceWindow(scope, xp, i * dh, j * dw, oh, ow, sh, sw), b: dy });
          taps.push(scope.run('Sum', { x: prod }, { axis: [0, 1, 2], keepDims: false }));
        }
      }
      const stacked = taps.length === 1 ? taps[0] : scope.run('Pack', taps as never, { axis: 0 });
      return scope.finish(scope.reshape(stacked, [kh, kw, c, 1]));
    },
  };
}
