/** The weight init shared by MMPretrain's ShuffleNetV1 and ShuffleNetV2 `init_weights`. */
import { tf } from '../../backends/tf';
import { Conv2d } from '../nn/conv';
import type { AnyModule } from '../nn/module';
import type { Generator } from '../../utils/random';

/** Convs whose name contains `conv1` N(0, 0.01), other convs N(0, 1/weight.shape[1]); norms weight 1, bias 1e-4, BN running_mean 0. */
export function shuffleNetInitWeights(root: AnyModule, rng: Generator): void {
  tf.tidy(() => {
    for (const [name, m] of root.namedModules()) {
      if (m instanceof Conv2d) {
        const std = name.includes('conv1') ? 0.01 : 1 / m.weight.shape[1]!;
        m.weight.assign(tf.tensor(rng.normalArray(m.weight.size, 0, std), m.weight.shape));
        if (m.bias) m.bias.assign(tf.zerosLike(m.bias));
      } else if (m.typeNames().includes('_BatchNorm') || m.typeNames().includes('GroupNorm')) {
        m.param('weight').assign(tf.onesLike(m.param('weight')));
        m.param('bias').assign(tf.fill(m.param('bias').shape, 1e-4));
        if (m.typeNames().includes('_BatchNorm')) m.buffer('running_mean').assign(tf.zerosLike(m.buffer('running_mean')));
      }
    }
  });
}
