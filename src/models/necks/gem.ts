/** `GeneralizedMeanPooling` (MMPretrain `necks/gem.py`): (mean x^p)^(1/p) with a learnable `p` (key `p`). */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { Module } from '../nn/module';

export interface GeneralizedMeanPoolingOptions {
  /** Initial exponent (≥ 1). Default: 3. */
  p?: number;
  /** Clamp floor before the power. Default: 1e-6. */
  eps?: number;
  /** Clamp the input at `eps`. Default: true. */
  clamp?: boolean;
  /** `p` is trained. Default: true. */
  p_trainable?: boolean;
}

/** GeM on one NHWC map with exponent tensor `p` (shape [1]). */
export function gem(x: Tensor, p: Tensor, eps = 1e-6, clamp = true): Tensor {
  return tf.tidy(() => {
    const xc = clamp ? tf.maximum(x, eps) : x;
    const pooled = tf.mean(tf.pow(xc, p), [1, 2]);
    return tf.pow(pooled, tf.div(1, p));
  });
}

export class GeneralizedMeanPooling extends Module<Tensor[], Tensor[]> {
  readonly p: ReturnType<Module['param']>;
  readonly eps: number;
  readonly clamp: boolean;
  constructor(opts: GeneralizedMeanPoolingOptions = {}) {
    super();
    checkKeys(opts, ['p', 'eps', 'clamp', 'p_trainable'], 'GeneralizedMeanPooling');
    const { p = 3, eps = 1e-6, clamp = true, p_trainable = true } = opts;
    assert(p >= 1, () => "'p' must be a value greater than 1");
    this.p = this.registerParameter('p', [1], p, p_trainable);
    this.eps = eps;
    this.clamp = clamp;
  }
  forward(inputs: Tensor[]): Tensor[] {
    return inputs.map((x) => gem(x, this.p, this.eps, this.clamp));
  }
}
