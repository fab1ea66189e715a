/** `nn.Dropout` and mmcv's `DropPath` (stochastic depth): active only in training mode, driven by a seeded generator. */
import { tf, type Tensor } from '../../backends/tf';
import { Generator } from '../../utils/random';
import { Module, type AnyModule } from './module';

/**
 * A layer that draws random numbers in training (Dropout, DropPath, a random graph): it draws from its own
 * `generator` field, which {@link setStochasticGenerator} points at the model's (seeded from the runner's seed:
 * `buildClassifier` does it). Until then each layer has a generator seeded 0.
 */
export interface Stochastic {
  generator: Generator;
}

/** Whether `m` draws from a {@link Stochastic} generator. */
export function isStochastic<T extends object>(m: T): m is T & Stochastic {
  return (m as Partial<Stochastic>).generator instanceof Generator;
}

/** Makes every stochastic layer of `model` (itself included) draw from `g`: one stream per model, as torch's per run. */
export function setStochasticGenerator(model: AnyModule, g: Generator): void {
  for (const [, m] of model.namedModules()) if (isStochastic(m)) m.generator = g;
}

export class Dropout extends Module implements Stochastic {
  generator = new Generator(0);
  constructor(readonly p = 0.5) {
    super();
  }
  override typeNames(): string[] {
    return ['Dropout'];
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.dropout(x, this.p, undefined, this.generator.nextSeed());
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

/** Drops whole samples' residual branches with probability `drop_prob`, scaling survivors by 1/(1−p). */
export class DropPath extends Module implements Stochastic {
  generator = new Generator(0);
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
      const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', this.generator.nextSeed()), keep));
      return tf.mul(tf.div(x, keep), mask);
    });
  }
}
