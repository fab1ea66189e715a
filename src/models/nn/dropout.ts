/** `nn.Dropout` and mmcv's `DropPath` (stochastic depth): active only in training mode, driven by a seeded generator. */
import { tf, type Tensor } from '../../backends/tf';
import { Module } from './module';
import { Generator } from './rng';

/** Shared generator of a model's stochastic layers; `setDropoutGenerator` reseeds it. */
export const dropoutRng = { generator: new Generator(0) };

/** Replaces the generator used by Dropout / DropPath (e.g. from the runner's `randomness.seed`). */
export function setDropoutGenerator(g: Generator): void {
  dropoutRng.generator = g;
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  override typeNames(): string[] {
    return ['Dropout'];
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.dropout(x, this.p, undefined, dropoutRng.generator.nextSeed());
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

/** Drops whole samples' residual branches with probability `drop_prob`, scaling survivors by 1/(1−p). */
export class DropPath extends Module {
  constructor(readonly dropProb = 0.1) {
    super();
  }
  override typeNames(): string[] {
    return ['DropPath'];
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.dropProb === 0) return x;
    const keep = 1 - this.dropProb;
    return tf.tidy(() => {
      const shape = [x.shape[0], ...Array(x.rank - 1).fill(1)];
      const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', dropoutRng.generator.nextSeed()), keep));
      return tf.mul(tf.div(x, keep), mask);
    });
  }
}
