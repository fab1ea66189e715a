/** `torch.optim.Adagrad` (PyTorch 1.13 `_single_tensor_adagrad`): `lr_decay`, `initial_accumulator_value`, weight decay. */
import { tf } from '../../backends/tf';
import { num, Optimizer, type StepItem } from './optimizer';
import type { ParamGroup } from './param_groups';

export class Adagrad extends Optimizer {
  static override readonly typeName: string = 'Adagrad';

  protected updateGroup(group: ParamGroup<tf.Variable>, items: StepItem[]): void {
    const lr = num(group, 'lr');
    const lrDecay = num(group, 'lr_decay');
    const wd = num(group, 'weight_decay');
    const eps = num(group, 'eps');
    const init = num(group, 'initial_accumulator_value');
    for (const item of items) {
      const step = ((item.state.step as number | undefined) ?? 0) + 1;
      item.state.step = step;
      const clr = lr / (1 + (step - 1) * lrDecay);
      this.commit(item, () => {
        const p = item.param;
        let g = group.maximize ? tf.neg(item.grad) : item.grad;
        if (wd !== 0) g = tf.add(g, tf.mul(p, wd));
        const sum0 = (item.state.sum as tf.Tensor | undefined) ?? tf.fill(p.shape, init);
        const sum = tf.add(sum0, tf.mul(g, g));
        const std = tf.add(tf.sqrt(sum), eps);
        return { param: tf.add(p, tf.mul(tf.div(g, std), -clr)), state: { sum } };
      });
    }
  }
}
