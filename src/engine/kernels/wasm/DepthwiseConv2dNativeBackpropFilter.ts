import { backend_util, DepthwiseConv2dNativeBackpropFilter, type DepthwiseConv2dNativeBackpropFilterAttrs, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope, padSpatial } from '../kernel_scope';

/**
 * The filter gradient of a depthwise convolution (channel multiplier 1), which tfjs's WASM backend lacks, as one
 * depthwise convolution (XNNPACK): dW[i, j, c] = Σ_n Σ_{h,w} X[n, h·s + i·d, w·s + j·d, c] · dY[n, h, w, c] is, per
 * (n, c), the correlation of the padded input with dY dilated by the stride s, taken with the dilation d as its
 * stride. The images become channels ([1, H, W, N·C], dY as the [Ho, Wo, N·C, 1] filter), then the N partial
 * filters are summed. (Per-tap products with strided slices and transposing sums took half of a MobileNetV2 step.)
 * tfjs differentiates depthwise convolutions only without dilation, so d = 1 in practice; the mapping stays general.
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
      const { batchSize: n, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: oh, outWidth: ow, inChannels: c, padInfo } = info;
      const scope = new KernelScope(backend as KernelBackend, backendName);
      const xp = padSpatial(scope, x, padInfo.top, padInfo.bottom, padInfo.left, padInfo.right);
      const [, hp, wp] = xp.shape;
      const images = scope.reshape(scope.run('Transpose', { x: xp }, { perm: [1, 2, 0, 3] }), [1, hp, wp, n * c]);
      const filter = scope.reshape(scope.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }), [oh, ow, n * c, 1]);
      const partial = scope.run('DepthwiseConv2dNative', { x: images, filter }, { strides: [dh, dw], pad: 'valid', dilations: [sh, sw], dataFormat: 'NHWC' });
      const cropped = partial.shape[1] === kh && partial.shape[2] === kw ? partial : scope.run('Slice', { x: partial }, { begin: [0, 0, 0, 0], size: [1, kh, kw, n * c] });
      const summed = scope.run('Sum', { x: scope.reshape(cropped, [kh, kw, n, c]) }, { axis: [2], keepDims: false });
      return scope.finish(scope.reshape(summed, [kh, kw, c, 1]));
    },
  };
}
