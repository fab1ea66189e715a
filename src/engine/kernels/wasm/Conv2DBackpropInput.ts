import { backend_util, Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope } from '../kernel_scope';

/**
 * The input gradient of a 2-D convolution as one forward convolution, which the WASM backend runs through
 * XNNPACK (its own Conv2DBackpropInput is a plain loop, tens of times slower on ResNet shapes): dY spread by
 * the stride (zeros in between), padded by (k − 1 − pad), convolved with the filter rotated by 180° and with
 * its channel axes swapped.
 */
export function conv2DBackpropInputComposite(backendName: string): KernelConfig {
  return {
    kernelName: Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
      if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropInput on '${backendName}': only NHWC is supported, got ${dataFormat}`);
      const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
      const { batchSize: n, inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, outChannels: co, padInfo } = info;
      const scope = new KernelScope(backend as KernelBackend, backendName);
      let g = dy;
      if (sh > 1 || sw > 1) {
        const six = scope.reshape(dy, [n, oh, 1, ow, 1, co]);
        const spread = scope.run('PadV2', { x: six }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
        g = scope.reshape(spread, [n, oh * sh, ow * sw, co]);
      }
      // Rows of the spread gradient that are used, then the padding that makes a 'valid' conv give H × W.
      const hd = (oh - 1) * sh + 1;
      const wd = (ow - 1) * sw + 1;
      if (g.shape[1] !== hd || g.shape[2] !== wd) g = scope.run('Slice', { x: g }, { begin: [0, 0, 0, 0], size: [n, hd, wd, co] });
      const top = kh - 1 - padInfo.top;
      const left = kw - 1 - padInfo.left;
      const bottom = h + kh - 1 - hd - top;
      const right = w + kw - 1 - wd - left;
      if (top < 0 || left < 0 || bottom < 0 || right < 0) throw new Error(`Conv2DBackpropInput on '${backendName}': padding ${JSON.stringify(padInfo)} larger than the filter is not supported`);
      const padded = scope.run('PadV2', { x: g }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
      const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = scope.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
      const dx = scope.run('Conv2D', { x: padded, filter: swapped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
      return scope.finish(dx);
    },
  };
}
