/**
 * MMPretrain's `Lamb` (LAMB) (`mmpretrain/engine/optimizers/lamb.py`, from timm): gradients divided by the global norm
 * above `max_grad_norm`, Adam moments with a per-group step, then the layer-wise trust ratio ‖w‖ / ‖update‖.
 */
import { tf } from '../../backends/tf';
import { num, Optimizer, type StepItem } from './optimizer';
import type { ParamGroup } from './param_groups';

export class Lamb extends Optimizer {
  static override readonly typeName: string = 'Lamb';

  /** The global clip divisor: ‖g‖ / max_grad_norm when above it, else 1 (a kept scalar, disposed after the step). */
  protected override beginStep(items: StepItem[]): unknown {
    const maxNorm = this.defaults.max_grad_norm as number;
    return tf.tidy(() => {
      const sq = items.reduce<tf.Tensor>((acc, { grad }) => tf.add(acc, tf.sum(tf.mul(grad, grad))), tf.scalar(0));
      const norm = tf.sqrt(sq);
      return tf.where(tf.greater(norm, maxNorm), tf.div(norm, maxNorm), tf.onesLike(norm));
    });
  }

  protected updateGroup(group: ParamGroup<tf.Variable>, items: StepItem[], clip: unknown): void {
    const [beta1, beta2] = group.betas as [number, number];
    const beta3 = group.grad_averaging ? 1 - beta1 : 1.0;
    const step = ((group.step as number | undefined) ?? 0) + 1;
    group.step = step;
    const bc1 = group.bias_correction ? 1 - beta1 ** step : 1.0;
    const bc2 = group.bias_correction ? 1 - beta2 ** step : 1.0;
    const eps = num(group, 'eps');
    const wd = num(group, 'weight_decay');
    const lr = num(group, 'lr');
    for (const item of items) {
      this.commit(item, () => {
        const p = item.param;
        const g = tf.div(item.grad, clip as tf.Tensor);
        const m = tf.add(tf.mul((item.state.exp_avg as tf.Tensor | undefined) ?? tf.zerosLike(p), beta1), tf.mul(g, beta3));
        const v = tf.add(tf.mul((item.state.exp_avg_sq as tf.Tensor | undefined) ?? tf.zerosLike(p), beta2), tf.mul(tf.mul(g, g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        let update = tf.div(tf.div(m, bc1), denom);
        if (wd !== 0) update = tf.add(update, tf.mul(p, wd));
        if (wd !== 0 || group.always_adapt) {
          const wNorm = tf.norm(p);
          const gNorm = tf.norm(update);
          const one = tf.onesLike(wNorm);
          let trust = tf.where(tf.greater(wNorm, 0), tf.where(tf.greater(gNorm, 0), tf.div(wNorm, gNorm), one), one);
          if (group.trust_clip) trust = tf.minimum(trust, one);
          update = tf.mul(update, trust);
        }
        return { param: tf.add(p, tf.mul(update, -lr)), state: { exp_avg: m, exp_avg_sq: v } };
      });
    }
  }
}
