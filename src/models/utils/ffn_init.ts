/** The `init_weights` of MMPretrain's MLP blocks: every `Linear` below `root` Xavier-uniform, biases N(0, 1e-6). */
import { tf } from '../../backends/tf';
import { Linear } from '../nn/linear';
import type { AnyModule } from '../nn/module';
import type { Generator } from '../../utils/random';

export function xavierLinears(root: AnyModule, rng: Generator, biasStd = 1e-6): void {
  tf.tidy(() => {
    for (const [, m] of root.namedModules()) {
      if (!(m instanceof Linear)) continue;
      const a = Math.sqrt(6 / (m.inFeatures + m.outFeatures));
      m.weight.assign(tf.tensor(rng.uniformArray(m.weight.size, -a, a), m.weight.shape));
      if (m.bias) m.bias.assign(tf.tensor(rng.normalArray(m.bias.size, 0, biasStd)));
    }
  });
}
