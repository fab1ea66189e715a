import { backend_util, Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type KernelBackend, type KernelConfig, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope, selectTaps } from '../kernel_scope';

type ConvInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

/** The filter taps that reach output phase `r` (rows ≡ r mod stride): first tap, count, and their first dy offset. */
export function phaseTaps(r: number, pad: number, stride: number, k: number): { first: number; count: number; offset: number } {
  const first = (((r + pad) % stride) + stride) % stride;
  const count = first < k ? Math.floor((k - 1 - first) / stride) + 1 : 0;
  return { first, count, offset: (r + pad - first) / stride };
}

/**
 * dy's rows (or columns) that phase `r` reads, as a crop of dy then zero padding, so that a 'valid' convolution with
 * the phase's `count` taps gives `size` outputs: rows `offset − count + 1 … size − 1 + offset` of dy, zeros outside.
 * Null when none of them lies inside dy.
 */
function phaseWindow(offset: number, count: number, size: number, dyLen: number): { crop: [number, number]; pad: [number, number] } | null {
  const start = offset - count + 1;
  const end = size - 1 + offset;
  const lo = Math.max(0, start);
  const hi = Math.min(dyLen - 1, end);
  if (hi < lo) return null;
  return { crop: [lo, hi - lo + 1], pad: [lo - start, end - hi] };
}

/** A dense convolution, or a depthwise one (channel multiplier 1), whose input gradient is wanted. */
type ConvKind = 'Conv2D' | 'DepthwiseConv2dNative';

/** A stride-1 convolution of `x`, zero-padded by the convolution itself ([top, bottom], [left, right]), with `filter` by the kernel of that kind. */
function paddedConv(scope: KernelScope, kind: ConvKind, x: TensorInfo, filter: TensorInfo, rows: [number, number], cols: [number, number]): TensorInfo {
  return scope.run(kind, { x, filter }, { strides: [1, 1], pad: [[0, 0], rows, cols, [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] });
}

/**
 * One output phase (rows ≡ ry mod sh, columns ≡ rx mod sw) of the input gradient: the taps of the filter that reach
 * it, flipped, convolved over the part of dy they read. `prepared` is the filter as the backward convolution takes
 * it (dense: channel axes swapped, [kh, kw, co, ci]; depthwise: as is). Returns [n, hp, wp, ci] (zeros when no tap
 * reaches the phase).
 */
function phase(scope: KernelScope, kind: ConvKind, dy: TensorInfo, prepared: TensorInfo, info: ConvInfo, ry: number, rx: number, hp: number, wp: number): TensorInfo {
  const { batchSize: n, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const rows = phaseTaps(ry, padInfo.top, sh, kh);
  const cols = phaseTaps(rx, padInfo.left, sw, kw);
  const rw = rows.count > 0 ? phaseWindow(rows.offset, rows.count, hp, oh) : null;
  const cw = cols.count > 0 ? phaseWindow(cols.offset, cols.count, wp, ow) : null;
  if (!rw || !cw) return scope.run('Fill', {}, { shape: [n, hp, wp, ci], value: 0, dtype: 'float32' });
  const cropped = scope.run('Slice', { x: dy }, { begin: [0, rw.crop[0], cw.crop[0], 0], size: [n, rw.crop[1], cw.crop[1], co] });
  // The phase's taps, flipped: row t ← filter row first + (count − 1 − t)·stride, columns likewise.
  const taps: number[] = [];
  for (let t = 0; t < rows.count; t++) {
    for (let u = 0; u < cols.count; u++) taps.push((rows.first + (rows.count - 1 - t) * sh) * kw + cols.first + (cols.count - 1 - u) * sw);
  }
  return paddedConv(scope, kind, cropped, selectTaps(scope, prepared, taps, rows.count, cols.count), rw.pad, cw.pad);
}

/** Interleaves `parts[k]` ([n, h, w, c] each) along `axis` (1 or 2): part k gives indices ≡ k mod parts.length. */
function interleave(scope: KernelScope, parts: TensorInfo[], axis: 1 | 2): TensorInfo {
  if (parts.length === 1) return parts[0];
  const [n, h, w, c] = parts[0].shape;
  const expanded = parts.map((p) => scope.reshape(p, axis === 1 ? [n, h, 1, w, c] : [n, h, w, 1, c]));
  const joined = scope.run('Concat', expanded as unknown as NamedTensorInfoMap, { axis: axis + 1 });
  return scope.reshape(joined, axis === 1 ? [n, h * parts.length, w, c] : [n, h, w * parts.length, c]);
}

/**
 * Strided case without the zeros: for stride s, the input rows ≡ r (mod s) receive only the taps i ≡ r + pad
 * (mod s), so the gradient is s_h·s_w stride-1 convolutions of dy with sub-filters (together exactly the filter's
 * taps, where spreading dy with zeros would multiply s_h·s_w times as many), interleaved.
 */
function stridedInputGradient(scope: KernelScope, kind: ConvKind, dy: TensorInfo, prepared: TensorInfo, info: ConvInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, strideHeight: sh, strideWidth: sw } = info;
  const hp = Math.ceil(h / sh);
  const wp = Math.ceil(w / sw);
  const rowsOfPhases: TensorInfo[] = [];
  for (let ry = 0; ry < sh; ry++) {
    const phases: TensorInfo[] = [];
    for (let rx = 0; rx < sw; rx++) phases.push(phase(scope, kind, dy, prepared, info, ry, rx, hp, wp));
    rowsOfPhases.push(interleave(scope, phases, 2));
  }
  const full = interleave(scope, rowsOfPhases, 1);
  if (full.shape[1] === h && full.shape[2] === w) return full;
  return scope.run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [n, h, w, ci] });
}

/**
 * The input gradient of a convolution (dense, or depthwise with multiplier 1) as forward convolutions of the same
 * kind, which the WASM backend runs through XNNPACK or our own kernels: stride 1 is dy, padded by (k − 1 − pad)
 * within the convolution (no padded copy), convolved with the filter rotated by 180° (dense: with its channel axes
 * swapped); larger strides split into phases
 * ({@link stridedInputGradient}). Returns a tensor the caller's scope owns.
 */
export function convInputGradient(scope: KernelScope, kind: ConvKind, dy: TensorInfo, filter: TensorInfo, info: ConvInfo, backendName: string): TensorInfo {
  const { inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: oh, outWidth: ow, padInfo } = info;
  if (dh !== 1 || dw !== 1) throw new Error(`${kind} input gradient on '${backendName}': dilation ${dh}×${dw} is not supported`);
  const prepared = kind === 'Conv2D' ? scope.run('Transpose', { x: filter }, { perm: [0, 1, 3, 2] }) : filter;
  if (sh > 1 || sw > 1) return stridedInputGradient(scope, kind, dy, prepared, info);
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  const bottom = h + kh - 1 - oh - top;
  const right = w + kw - 1 - ow - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) throw new Error(`${kind} input gradient on '${backendName}': padding ${JSON.stringify(padInfo)} larger than the filter is not supported`);
  const rotated = selectTaps(scope, prepared, Array.from({ length: kh * kw }, (_, t) => kh * kw - 1 - t), kh, kw);
  return paddedConv(scope, kind, dy, rotated, [top, bottom], [left, right]);
}

/** Conv2DBackpropInput for the WASM backend (its own is a plain loop, tens of times slower on ResNet shapes). */
export function conv2DBackpropInputComposite(backendName: string): KernelConfig {
  return {
    kernelName: Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
      if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropInput on '${backendName}': only NHWC is supported, got ${dataFormat}`);
      const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
      const scope = new KernelScope(backend as KernelBackend, backendName);
      return scope.finish(convInputGradient(scope, 'Conv2D', dy, filter, info, backendName));
    },
  };
}
