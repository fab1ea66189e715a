/**
 * The two checks every backbone family test makes (test code: it asserts with vitest): outputs against a PyTorch
 * fixture, and a training step that reaches every trainable parameter; both without leaking tensors.
 */
import { expect } from 'vitest';
import { tf } from '../../backends/tf';
import type { AnyModule } from '../nn/module';
import { gradientStep } from './gradients';

/**
 * `run` (a fixture runner: fills `model`, runs it, compares) gives matching keys and every output's parity error
 * below `tol` (`outputs` of them, where given); a second run leaves the tensor count as it was. Disposes `model`.
 */
export async function expectFixtureParity(name: string, model: AnyModule, run: () => Promise<{ keysMatch: boolean; errors: number[] }>, { outputs, tol = 1e-4 }: { outputs?: number; tol?: number } = {}): Promise<void> {
  try {
    const { keysMatch, errors } = await run();
    console.log(`[${name}] ${errors.map((e) => e.toExponential(2)).join(' ')}`);
    expect(keysMatch, `${name}: state_dict keys and shapes`).toBe(true);
    if (outputs !== undefined) expect(errors.length).toBe(outputs);
    for (const e of errors) expect(e, name).toBeLessThan(tol);
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    model.dispose();
  }
}

/**
 * One gradient step of `objective` gives each of `params` (default: `model`'s trainable ones) a finite, non-zero
 * gradient; a second step leaves the tensor count as it was.
 */
export function expectEveryParameterReached(model: AnyModule, objective: () => tf.Scalar, params = model.namedParameters().filter(([, p]) => p.trainable)): void {
  expect(gradientStep(objective, params).withoutGradient).toEqual([]);
  const before = tf.memory().numTensors;
  gradientStep(objective, params);
  expect(tf.memory().numTensors).toBe(before);
}
