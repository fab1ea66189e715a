/**
 * MMPretrain's `LARS` (`mmpretrain/engine/optimizers/lars.py`): SGD whose step is scaled per parameter by the
 * trust ratio `eta·‖w‖ / (‖g‖ + wd·‖w‖ + eps)` (1 for groups with `lars_exclude`), with momentum/nesterov.
 */
import { tf } from '../../backends/tf';
import { num, Optimizer, type StepItem } from './optimizer';
import type { ParamGroup } from './param_groups';

export class LARS extends Optimizer {
  static override readonly typeName: string = 'LARS';

  protected updateGroup(group: ParamGroup<tf.Variable>, items: StepItem[]): void {
    const lr = num(group, 'lr');
    const wd = num(group, 'weight_decay');
    const momentum = num(group, 'momentum');
    const dampening = num(group, 'dampening');
    const eta = num(group, 'eta');
    const eps = this.defaults.eps as number;
    for (const item of items) {
      let localLr = 1.0;
      if (!group.lars_exclude) {
        // PyTorch reads both norms with .item(): float32 norms, the ratio in double precision.
        const norms = tf.tidy(() => tf.stack([tf.norm(item.param), tf.norm(item.grad)]));
        const [wNorm, gNorm] = norms.dataSync();
        norms.dispose();
        if (wNorm !== 0 && gNorm !== 0) localLr = (eta * wNorm) / (gNorm + wd * wNorm + eps);
      }
      const actualLr = localLr * lr;
      this.commit(item, () => {
        const p = item.param;
        let d = tf.mul(tf.add(item.grad, tf.mul(p, wd)), actualLr);
        const state: Record<string, tf.Tensor> = {};
        if (momentum !== 0) {
          const prev = item.state.momentum_buffer as tf.Tensor | undefined;
          const buf = prev === undefined ? tf.clone(d) : tf.add(tf.mul(prev, momentum), tf.mul(d, 1 - dampening));
          state.momentum_buffer = buf;
          d = group.nesterov ? tf.add(d, tf.mul(buf, momentum)) : buf;
        }
        return { param: tf.sub(p, d), state };
      });
    }
  }
}
