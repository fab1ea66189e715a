import { backend_util, DepthwiseConv2dNativeBackpropInput, type DepthwiseConv2dNativeBackpropInputAttrs, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope } from '../kernel_scope';

/**
 * The input gradient of a depthwise convolution (channel multiplier 1), which tfjs's WASM backend lacks.
 * Each tap (i, j) sends dY · W[i, j] back to the input positions it read: the product is spread out by the
 * stride (zeros in between), shifted to the tap's offset by padding, and summed; the conv padding is cropped at the end.
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
      const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: oh, outWidth: ow, padInfo } = info;
      const scope = new KernelScope(backend as KernelBackend, backendName);
      // The padded input grid that the taps read from.
      const hp = Math.max(h + padInfo.top + padInfo.bottom, (oh - 1) * sh + (kh - 1) * dh + 1);
      const wp = Math.max(w + padInfo.left + padInfo.right, (ow - 1) * sw + (kw - 1) * dw + 1);
      // dY spread by the stride: [n, oh, 1, ow, 1, c] padded to [n, oh, sh, ow, sw, c] then folded.
      const spreadH = (oh - 1) * sh + 1;
      const spreadW = (ow - 1) * sw + 1;
      const spread = (t: TensorInfo): TensorInfo => {
        if (sh === 1 && sw === 1) return t;
        const six = scope.reshape(t, [n, oh, 1, ow, 1, c]);
        const padded = scope.run('PadV2', { x: six }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
        const folded = scope.reshape(padded, [n, oh * sh, ow * sw, c]);
        return scope.run('Slice', { x: folded }, { begin: [0, 0, 0, 0], size: [n, spreadH, spreadW, c] });
      };
      const filter2 = scope.reshape(filter, [kh * kw, c]);
      let acc: TensorInfo | null = null;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const tap = scope.run('Slice', { x: filter2 }, { begin: [i * kw + j, 0], size: [1, c] });
          const contrib = spread(scope.run('Multiply', { a: dy, b: scope.reshape(tap, [c]) }));
          const top = i * dh;
          const left = j * dw;
          const placed = scope.run('PadV2', { x: contrib }, {
            paddings: [[0, 0], [top, hp - top - spreadH], [left, wp - left - spreadW], [0, 0]],
            constantValue: 0,
          });
          acc = acc === null ? placed : scope.run('Add', { a: acc, b: placed });
        }
      }
      const dx = scope.run('Slice', { x: acc! }, { begin: [0, padInfo.top, padInfo.left, 0], size: [n, h, w, c] });
      return scope.finish(dx);
    },
  };
}
