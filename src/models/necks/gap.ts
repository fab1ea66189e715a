/** `GlobalAveragePooling` (MMPretrain `necks/gap.py`): each feature map → (N, C). */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { Module } from '../nn/module';

export interface GlobalAveragePoolingOptions {
  /** Spatial dimensions pooled: 1 ((N, C, L) sequences), 2 (images), 3 (volumes). Default: 2. */
  dim?: 1 | 2 | 3;
}

/** Mean over every axis between batch and channels (NHWC inside), flattened to (N, C). */
export function globalAveragePool(x: Tensor): Tensor {
  return tf.tidy(() => tf.reshape(tf.mean(x, [...Array(x.rank - 2).keys()].map((i) => i + 1)), [x.shape[0], -1]));
}

/**
 * `nn.AdaptiveAvgPool{dim}d(1)` then `view(N, -1)`. Rank-3 tensors keep PyTorch's (N, C, L) layout, so `dim` 1 pools
 * the last axis; an input of rank `dim + 1` is PyTorch's unbatched case, every axis but the first pooled to (N, 1).
 */
export function adaptiveGlobalAveragePool(x: Tensor, dim: number): Tensor {
  if (x.rank === dim + 1) return tf.tidy(() => tf.reshape(tf.mean(x, [...Array(x.rank - 1).keys()].map((i) => i + 1)), [x.shape[0], 1]));
  if (dim === 1 && x.rank === 3) return tf.mean(x, 2);
  return globalAveragePool(x);
}

/** `nn.AdaptiveAvgPool{1,2,3}d(1)`: the neck's `gap` child (no parameters; counted by the FLOP analysis). */
export class GlobalPool extends Module {
  constructor(readonly dim: number) {
    super();
  }
  override typeNames(): string[] {
    return [`AdaptiveAvgPool${this.dim}d`, 'AdaptiveAvgPool'];
  }
  forward(x: Tensor): Tensor {
    return adaptiveGlobalAveragePool(x, this.dim);
  }
}

export class GlobalAveragePooling extends Module<Tensor[], Tensor[]> {
  readonly dim: number;
  constructor(opts: GlobalAveragePoolingOptions = {}) {
    super();
    checkKeys(opts, ['dim'], 'GlobalAveragePooling');
    this.dim = opts.dim ?? 2;
    assert([1, 2, 3].includes(this.dim), () => `GlobalAveragePooling dim only support (1, 2, 3), get ${this.dim} instead.`);
    this.addModule('gap', new GlobalPool(this.dim));
  }
  forward(inputs: Tensor[]): Tensor[] {
    return inputs.map((x) => {
      assert(x.rank === this.dim + 2 || x.rank === this.dim + 1, () => `GlobalAveragePooling(dim=${this.dim}): expected rank ${this.dim + 1} or ${this.dim + 2} input, got shape [${x.shape}]`);
      return this.child('gap').call(x) as Tensor;
    });
  }
}
