/** One gradient step for the family tests: which parameters a loss reaches. */
import { tf } from '../../backends/tf';

/**
 * `objective`'s value and the names of the `params` whose gradient is absent, not finite or all zero; every tensor it
 * makes is disposed (so a second call leaves the tensor count where it was).
 */
export function gradientStep(objective: () => tf.Scalar, params: [string, tf.Variable][]): { loss: number; withoutGradient: string[] } {
  const { value, grads } = tf.variableGrads(objective, params.map(([, p]) => p));
  const withoutGradient = params
    .filter(([, p]) => {
      const g = grads[p.name]?.dataSync();
      return !g || !g.every(Number.isFinite) || g.every((v) => v === 0);
    })
    .map(([n]) => n);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, withoutGradient };
}
