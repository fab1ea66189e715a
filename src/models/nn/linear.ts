/** `nn.Linear`: weight [out, in] (PyTorch layout), y = x Wᵀ + b on the last dimension. */
import { tf, type Tensor, type Tensor2D } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Module } from './module';

/** Options of `Linear`, as `torch.nn.Linear`. */
export interface LinearOptions {
  in_features: number;
  out_features: number;
  /** Default: true. */
  bias?: boolean;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: tf.Variable;
  bias: tf.Variable | null;

  constructor({ in_features, out_features, bias = true }: LinearOptions) {
    super();
    this.inFeatures = in_features;
    this.outFeatures = out_features;
    this.weight = this.registerParameter('weight', [out_features, in_features]);
    this.bias = bias ? this.registerParameter('bias', [out_features]) : null;
  }

  override typeNames(): string[] {
    return ['Linear'];
  }

  /** x: (..., in_features). */
  forward(x: Tensor): Tensor {
    assert(x.shape[x.rank - 1] === this.inFeatures, () => `Linear: expected last dimension ${this.inFeatures}, got shape [${x.shape}]`);
    return tf.tidy(() => {
      const x2 = (x.rank === 2 ? x : tf.reshape(x, [-1, this.inFeatures])) as Tensor2D;
      // Not tf.fused.matMul: on WASM its transposeB + bias path is wrong for batches > 1 (tfjs 4.22).
      const xw = tf.matMul(x2, this.weight as Tensor2D, false, true);
      const y = this.bias ? tf.add(xw, this.bias) : xw;
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}
