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
      this.commit(item, () => {
        const p = item.param;
        // The trust ratio stays a tensor (1 where either norm is 0, or for lars_exclude): no synchronous read, which
        // the WebGPU backend may not survive. PyTorch computes it from .item() norms in double precision; float32
        // here differs by about 1e-7 relative.
        let actualLr: tf.Tensor | number = lr;
        if (!group.lars_exclude) {
          const wNorm = tf.norm(p);
          const gNorm = tf.norm(item.grad);
          const both = tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(gNorm, 0));
          const ratio = tf.div(tf.mul(wNorm, eta), tf.add(tf.add(gNorm, tf.mul(wNorm, wd)), eps));
          actualLr = tf.mul(tf.where(both, ratio, tf.onesLike(ratio)), lr);
        }
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
