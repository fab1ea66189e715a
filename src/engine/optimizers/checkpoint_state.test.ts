import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { loadCheckpointFile } from '../../fileio/node';
import { sharedPath, missingShared } from '../../testing/shared';
import { registerEngine } from '../register_all';
import { buildParamSchedulers } from '../schedulers';
import { buildOptimWrapper, type ModuleLike, type OptimizerStateDict } from './index';

const CKPT = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');

beforeAll(() => registerEngine());

describe('optimizer and scheduler state of a real mmengine checkpoint', () => {
  it.skipIf(missingShared(CKPT))('loads SGD momentum buffers and MultiStepLR state written by MMPretrain, and writes the same layout', async () => {
    const ck = await loadCheckpointFile(CKPT);
    const other = ck.other as { optimizer: OptimizerStateDict; param_schedulers: Record<string, unknown>[] };
    // The model's parameters in named_parameters order: the state dict without BatchNorm buffers.
    const params = [...ck.stateDict].filter(([k]) => !/(running_mean|running_var|num_batches_tracked)$/.test(k));
    expect(params.length).toBe(62);
    const vars = params.map(([, t]) => tf.variable(tf.tensor(t.data as Float32Array, t.shape)));
    const model: ModuleLike<tf.Variable> = { typeNames: () => ['ImageClassifier'], namedChildren: () => [], namedParameters: () => params.map(([k], i) => [k.replace(/\./g, '_'), vars[i]]) };
    // The run's optim_wrapper and param_scheduler (runner_run/config.py).
    const wrapper = buildOptimWrapper(model, { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, weight_decay: 0.0001 } });
    wrapper.loadStateDict(other.optimizer);
    const [sched] = buildParamSchedulers({ type: 'MultiStepLR', by_epoch: true, milestones: [2], gamma: 0.1 }, wrapper, { maxEpochs: 3 });
    sched.loadStateDict(other.param_schedulers[0]);

    expect(wrapper.getLr().lr).toEqual([0.010000000000000002]);
    expect(wrapper.optimizer.paramGroups[0].initial_lr).toBe(0.1);
    expect([sched.lastStep, sched.globalStep, sched.baseValues]).toEqual([2, 3, [0.1]]);
    const buf0 = wrapper.optimizer.state.get(vars[0])?.momentum_buffer as tf.Tensor;
    expect(buf0.shape).toEqual([16, 3, 3, 3]);
    expect(Array.from(buf0.dataSync())).toEqual(Array.from((other.optimizer.state as Record<number, Record<string, { data: Float32Array }>>)[0].momentum_buffer.data));

    // Written back, the state has PyTorch's keys and values.
    const sd = wrapper.stateDict();
    const { params: _p, ...groupKeys } = other.optimizer.param_groups[0];
    expect(Object.keys(sd.param_groups[0]).sort()).toEqual([...Object.keys(groupKeys), 'params'].sort());
    expect(sd.param_groups[0]).toMatchObject(groupKeys);
    expect(Object.keys(sd.state).length).toBe(62);
    expect(sched.stateDict()).toMatchObject({ milestones: { 2: 1 }, gamma: 0.1, param_name: 'lr', begin: 0, end: 3, by_epoch: true, base_values: [0.1], last_step: 2, _global_step: 3, verbose: false });

    wrapper.dispose();
    tf.dispose(vars);
  });
});
