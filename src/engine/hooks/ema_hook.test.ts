import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import type { Runner } from '../runner/runner';
import { EMAHook } from './ema_hook';

function fakeRunner(w: tf.Variable) {
  const loaded: Map<string, unknown>[] = [];
  const runner = {
    iter: 0,
    epoch: 0,
    maxEpochs: 1,
    maxIters: 10,
    model: {
      namedParameters: () => [['head.fc.weight', w]],
      loadStateDict: (sd: Map<string, unknown>) => loaded.push(sd),
    },
  };
  return { runner: runner as unknown as Runner & { iter: number }, loaded };
}

describe('EMAHook (mmengine ExponentialMovingAverage)', () => {
  it('averages parameters, swaps them for validation and saves both sets like mmengine', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const { runner } = fakeRunner(w);
    const hook = new EMAHook({ momentum: 0.5 });
    const before = tf.memory().numTensors;
    hook.beforeRun(runner);
    hook.afterTrainIter(runner); // steps 0: copy
    tf.tidy(() => w.assign(tf.tensor1d([3, 6])));
    runner.iter = 1;
    hook.afterTrainIter(runner); // avg = 1 + 0.5 (3 - 1) = 2, 2 + 0.5 (6 - 2) = 4
    hook.beforeValEpoch();
    expect(Array.from(w.dataSync())).toEqual([2, 4]);
    hook.afterValEpoch();
    expect(Array.from(w.dataSync())).toEqual([3, 6]);
    const checkpoint: Record<string, unknown> = {
      state_dict: new Map([
        ['head.fc.weight', { dtype: 'float32', shape: [2], data: new Float32Array([3, 6]) }],
        ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.of(2n) }],
      ]),
    };
    await hook.beforeSaveCheckpoint(runner, checkpoint);
    const sd = checkpoint.state_dict as Map<string, { data: ArrayLike<number> }>;
    const ema = checkpoint.ema_state_dict as Map<string, unknown>;
    expect(Array.from(sd.get('head.fc.weight')!.data)).toEqual([2, 4]);
    expect([...ema.keys()]).toEqual(['steps', 'module.head.fc.weight', 'module.bn.num_batches_tracked']);
    expect(ema.get('steps')).toBe(2);
    expect(Array.from((ema.get('module.head.fc.weight') as { data: Float32Array }).data)).toEqual([3, 6]);
    expect(tf.memory().numTensors - before).toBe(1); // the one averaged copy
  });

  it('rejects what it cannot do, with the reason', () => {
    expect(() => new EMAHook({ ema_type: 'StochasticWeightAverage' })).toThrow(/ema_type 'StochasticWeightAverage' is not supported/);
    expect(() => new EMAHook({ begin_iter: 5, begin_epoch: 1 })).toThrow(/should not be both set/);
    expect(() => new EMAHook({ momentum: 2 })).toThrow(/momentum must be in \(0, 1\)/);
  });
});
