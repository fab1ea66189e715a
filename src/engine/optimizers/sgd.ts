/** `torch.optim.SGD` (PyTorch 1.13 `_single_tensor_sgd`): momentum, dampening, nesterov, weight decay, maximize. */
import { tf } from '../../backends/tf';
import { num, Optimizer, type StepItem } from './optimizer';
import type { ParamGroup } from './param_groups';

export class SGD extends Optimizer {
  static override readonly typeName: string = 'SGD';

  protected updateGroup(group: ParamGroup<tf.Variable>, items: StepItem[]): void {
    const lr = num(group, 'lr');
    const momentum = num(group, 'momentum');
    const dampening = num(group, 'dampening');
    const wd = num(group, 'weight_decay');
    const { nesterov, maximize } = group;
    for (const item of items) {
      this.commit(item, () => {
        const p = item.param;
        let d = maximize ? tf.neg(item.grad) : item.grad;
        if (wd !== 0) d = tf.add(d, tf.mul(p, wd));
        const state: Record<string, tf.Tensor> = {};
        if (momentum !== 0) {
          const prev = item.state.momentum_buffer as tf.Tensor | undefined;
          const buf = prev === undefined ? tf.clone(d) : tf.add(tf.mul(prev, momentum), dampening === 0 ? d : tf.mul(d, 1 - dampening)); // × 1 skipped: one pass less
          state.momentum_buffer = buf;
          d = nesterov ? tf.add(d, tf.mul(buf, momentum)) : buf;
        }
        return { param: tf.add(p, tf.mul(d, -lr)), state };
      });
    }
  }
}
