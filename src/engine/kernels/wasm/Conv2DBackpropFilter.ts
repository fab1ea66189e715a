import { backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope, padSpatial, sliceWindow } from '../kernel_scope';

/**
 * The gradient of a 2-D convolution with respect to its filter, which tfjs's WASM backend lacks.
 * For each filter tap (i, j): dW[i, j] = X(i, j)ᵀ · dY, where X(i, j) is the padded input seen by that tap
 * (a strided window, N·Ho·Wo × Ci) and dY is the output gradient (N·Ho·Wo × Co): kh·kw matrix products on
 * the backend's own (XNNPACK) BatchMatMul.
 */
export function conv2DBackpropFilterComposite(backendName: string): KernelConfig {
  return {
    kernelName: Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
      if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on '${backendName}': only NHWC is supported, got ${dataFormat}`);
      const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
      const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inChannels: ci, outChannels: co, padInfo } = info;
      const scope = new KernelScope(backend as KernelBackend, backendName);
      const m = info.batchSize * oh * ow;
      const xp = padSpatial(scope, x, padInfo.top, padInfo.bottom, padInfo.left, padInfo.right);
      const dy3 = scope.reshape(dy, [1, m, co]);
      const taps: TensorInfo[] = [];
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const window = scope.reshape(sliceWindow(scope, xp, i, j, oh, ow, sh, sw), [1, m, ci]);
          taps.push(scope.run('BatchMatMul', { a: window, b: dy3 }, { transposeA: true, transposeB: false }));
        }
      }
      const stacked = taps.length === 1 ? taps[0] : scope.run('Concat', taps as never, { axis: 0 });
      return scope.finish(scope.reshape(stacked, [kh, kw, ci, co]));
    },
  };
}
