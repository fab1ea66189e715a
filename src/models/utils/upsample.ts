/**
 * `nn.Upsample(scale_factor=s, mode='nearest')` for integer factors, on NHWC: every input pixel repeated s×s
 * (PyTorch's nearest index floor(dst / s)); one kernel on WASM, reshapes and broadcasts elsewhere (fused_ops.ts),
 * with gradients on every backend.
 */
import { upsampleNearest2d } from '../../backends/fused_ops';
import type { Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Module } from '../nn/module';
import { pair, type Pair } from '../nn/layout';

/** Repeats each pixel of an NHWC batch `sh`×`sw` times. */
export function upsampleNearest(x: Tensor, factor: Pair): Tensor {
  const [sh, sw] = pair(factor);
  if (sh === 1 && sw === 1) return x;
  return upsampleNearest2d(x, sh, sw);
}

export class Upsample extends Module {
  readonly scaleFactor: [number, number];

  constructor(opts: { scale_factor: Pair; mode?: string }) {
    super();
    const mode = opts.mode ?? 'nearest';
    assert(mode === 'nearest', () => `Upsample: only mode 'nearest' is supported, got '${mode}'`);
    this.scaleFactor = pair(opts.scale_factor);
    assert(this.scaleFactor.every((s) => Number.isInteger(s) && s >= 1), () => `Upsample: scale_factor must be positive integers, got ${this.scaleFactor}`);
  }

  override typeNames(): string[] {
    return ['Upsample'];
  }

  override extraRepr(): string {
    const [a, b] = this.scaleFactor;
    return `scale_factor=${a === b ? `${a}.0` : `(${a}.0, ${b}.0)`}, mode='nearest'`;
  }

  forward(x: Tensor): Tensor {
    return upsampleNearest(x, this.scaleFactor);
  }
}
