/**
 * `torch.optim.Adam` and `torch.optim.AdamW` (PyTorch 1.13 `_single_tensor_adam(w)`): bias-corrected moments,
 * `amsgrad`, `maximize`; Adam adds L2 decay to the gradient, AdamW decays the weights (`p *= 1 - lr·wd`).
 */
import { tf } from '../../backends/tf';
import { num, Optimizer, type StepItem } from './optimizer';
import type { ParamGroup } from './param_groups';

abstract class AdamBase extends Optimizer {
  /** True for AdamW's decoupled weight decay. */
  protected abstract readonly decoupled: boolean;

  protected updateGroup(group: ParamGroup<tf.Variable>, items: StepItem[]): void {
    const lr = num(group, 'lr');
    const wd = num(group, 'weight_decay');
    const eps = num(group, 'eps');
    const [beta1, beta2] = group.betas as [number, number];
    const { amsgrad, maximize } = group;
    for (const item of items) {
      const step = ((item.state.step as number | undefined) ?? 0) + 1;
      item.state.step = step;
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
      const stepSize = lr / biasCorrection1;
      this.commit(item, () => {
        let p: tf.Tensor = item.param;
        let g = maximize ? tf.neg(item.grad) : item.grad;
        if (this.decoupled) p = tf.mul(p, 1 - lr * wd);
        else if (wd !== 0) g = tf.add(g, tf.mul(p, wd));
        const m0 = (item.state.exp_avg as tf.Tensor | undefined) ?? tf.zerosLike(p);
        const v0 = (item.state.exp_avg_sq as tf.Tensor | undefined) ?? tf.zerosLike(p);
        const m = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.mul(g, g), 1 - beta2));
        const state: Record<string, tf.Tensor> = { exp_avg: m, exp_avg_sq: v };
        let second = v;
        if (amsgrad) {
          const prevMax = (item.state.max_exp_avg_sq as tf.Tensor | undefined) ?? tf.zerosLike(p);
          second = state.max_exp_avg_sq = tf.maximum(prevMax, v);
        }
        const denom = tf.add(tf.div(tf.sqrt(second), biasCorrection2Sqrt), eps);
        return { param: tf.add(p, tf.mul(tf.div(m, denom), -stepSize)), state };
      });
    }
  }
}

export class Adam extends AdamBase {
  static override readonly typeName: string = 'Adam';
  protected readonly decoupled = false;
}

export class AdamW extends AdamBase {
  static override readonly typeName: string = 'AdamW';
  protected readonly decoupled = true;
}
