/** `torch.optim.RMSprop` (PyTorch 1.13 `_single_tensor_rmsprop`): `alpha`, `centered`, `momentum`, weight decay. */
import { tf } from '../../backends/tf';
import { num, Optimizer, type StepItem } from './optimizer';
import type { ParamGroup } from './param_groups';

export class RMSprop extends Optimizer {
  static override readonly typeName: string = 'RMSprop';

  protected updateGroup(group: ParamGroup<tf.Variable>, items: StepItem[]): void {
    const lr = num(group, 'lr');
    const alpha = num(group, 'alpha');
    const eps = num(group, 'eps');
    const wd = num(group, 'weight_decay');
    const momentum = num(group, 'momentum');
    const { centered, maximize } = group;
    for (const item of items) {
      item.state.step = ((item.state.step as number | undefined) ?? 0) + 1;
      this.commit(item, () => {
        const p = item.param;
        let g = maximize ? tf.neg(item.grad) : item.grad;
        if (wd !== 0) g = tf.add(g, tf.mul(p, wd));
        const sq0 = (item.state.square_avg as tf.Tensor | undefined) ?? tf.zerosLike(p);
        const squareAvg = tf.add(tf.mul(sq0, alpha), tf.mul(tf.mul(g, g), 1 - alpha));
        const state: Record<string, tf.Tensor> = { square_avg: squareAvg };
        let avg: tf.Tensor;
        if (centered) {
          const ga0 = (item.state.grad_avg as tf.Tensor | undefined) ?? tf.zerosLike(p);
          const gradAvg = (state.grad_avg = tf.add(tf.mul(ga0, alpha), tf.mul(g, 1 - alpha)));
          avg = tf.sqrt(tf.sub(squareAvg, tf.mul(gradAvg, gradAvg)));
        } else {
          avg = tf.sqrt(squareAvg);
        }
        avg = tf.add(avg, eps);
        if (momentum > 0) {
          const b0 = (item.state.momentum_buffer as tf.Tensor | undefined) ?? tf.zerosLike(p);
          const buf = (state.momentum_buffer = tf.add(tf.mul(b0, momentum), tf.div(g, avg)));
          return { param: tf.add(p, tf.mul(buf, -lr)), state };
        }
        return { param: tf.add(p, tf.mul(tf.div(g, avg), -lr)), state };
      });
    }
  }
}
