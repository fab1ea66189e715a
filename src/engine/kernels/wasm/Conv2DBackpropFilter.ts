import { backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope } from '../kernel_scope';

type ConvInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

/**
 * Per filter tap (i, j): dW[i, j] = X(i, j) · dY, with X(i, j) the window of the padded input that tap reads,
 * laid out channel-first ([Ci, N·Ho·Wo]) so that every product is a plain (XNNPACK) matrix product.
 */
function perTap(scope: KernelScope, x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inChannels: ci, outChannels: co, padInfo } = info;
  // Channel-first input, padded so that every tap's window [i, i + sh·oh) fits.
  const xt = scope.run('Transpose', { x }, { perm: [3, 0, 1, 2] });
  const hp = Math.max(h + padInfo.top + padInfo.bottom, kh - 1 + sh * oh);
  const wp = Math.max(w + padInfo.left + padInfo.right, kw - 1 + sw * ow);
  const padded = scope.run('PadV2', { x: xt }, { paddings: [[0, 0], [0, 0], [padInfo.top, hp - h - padInfo.top], [padInfo.left, wp - w - padInfo.left]], constantValue: 0 });
  const m = n * oh * ow;
  const dy2 = scope.reshape(dy, [m, co]);
  const taps: TensorInfo[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      let win = scope.run('Slice', { x: padded }, { begin: [0, 0, i, j], size: [ci, n, sh * oh, sw * ow] });
      if (sh > 1 || sw > 1) {
        // Every sh-th row and sw-th column: split each axis into (out, stride) and keep stride index 0.
        const split = scope.reshape(win, [ci, n, oh, sh, ow, sw]);
        win = scope.run('Slice', { x: split }, { begin: [0, 0, 0, 0, 0, 0], size: [ci, n, oh, 1, ow, 1] });
      }
      taps.push(scope.run('BatchMatMul', { a: scope.reshape(win, [1, ci, m]), b: scope.reshape(dy2, [1, m, co]) }, { transposeA: false, transposeB: false }));
    }
  }
  return taps.length === 1 ? taps[0] : scope.run('Concat', taps as never, { axis: 0 });
}

/**
 * For stride 1 and few input channels, one convolution: the input's channels become the batch and the output
 * gradient the filter (dW[·, ·, ci, co] = x[ci] ⋆ dY[co]), which XNNPACK runs faster than many small products.
 */
function asConvolution(scope: KernelScope, x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo {
  const { padInfo, filterHeight: kh, filterWidth: kw } = info;
  const xt = scope.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [Ci, H, W, N]
  const filt = scope.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [Ho, Wo, N, Co]
  const pad = [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]];
  const conv = scope.run('Conv2D', { x: xt, filter: filt }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] });
  const cropped = conv.shape[1] === kh && conv.shape[2] === kw ? conv : scope.run('Slice', { x: conv }, { begin: [0, 0, 0, 0], size: [conv.shape[0], kh, kw, conv.shape[3]] });
  return scope.run('Transpose', { x: cropped }, { perm: [1, 2, 0, 3] }); // [kh, kw, Ci, Co]
}

/** Below this many input channels a stride-1 filter gradient runs as one convolution (measured on LeNet / ResNet shapes). */
const CONV_FORM_MAX_CHANNELS = 16;

/** The gradient of a 2-D convolution with respect to its filter, which tfjs's WASM backend lacks. */
export function conv2DBackpropFilterComposite(backendName: string): KernelConfig {
  return {
    kernelName: Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
      if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on '${backendName}': only NHWC is supported, got ${dataFormat}`);
      const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
      const scope = new KernelScope(backend as KernelBackend, backendName);
      const useConv = info.strideHeight === 1 && info.strideWidth === 1 && info.inChannels < CONV_FORM_MAX_CHANNELS;
      const grad = useConv ? asConvolution(scope, x, dy, info) : perTap(scope, x, dy, info);
      return scope.finish(scope.reshape(grad, [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]));
    },
  };
}
