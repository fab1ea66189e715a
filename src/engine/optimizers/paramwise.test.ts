import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { BatchNorm2d, Conv2d, LayerNorm, Linear, Sequential } from '../../models/nn';
import { registerEngine } from '../register_all';
import { buildOptimWrapper, paramwiseGroups, type ModuleLike } from './index';

beforeAll(() => registerEngine());

/** conv (3→8), BN, depthwise conv (groups 8), LayerNorm, Linear: every rule of mmengine's add_params applies somewhere. */
function net(): Sequential {
  return new Sequential(
    new Conv2d({ in_channels: 3, out_channels: 8, kernel_size: 3 }),
    new BatchNorm2d({ num_features: 8 }),
    new Conv2d({ in_channels: 8, out_channels: 8, kernel_size: 3, groups: 8 }),
    new LayerNorm({ normalized_shape: 8 }),
    new Linear({ in_features: 8, out_features: 4 }),
  );
}

/** name → [lr, weight_decay] of the built optimizer's groups. */
function settings(model: Sequential, cfg: Record<string, unknown>): Record<string, [number, number]> {
  const names = new Map(model.namedParameters().map(([n, v]) => [v, n] as const));
  const wrapper = buildOptimWrapper(model, cfg);
  const out: Record<string, [number, number]> = {};
  for (const g of wrapper.optimizer.paramGroups) for (const p of g.params ?? []) out[names.get(p) as string] = [g.lr as number, g.weight_decay as number];
  wrapper.dispose();
  return out;
}

describe('DefaultOptimWrapperConstructor paramwise_cfg (mmengine add_params rules)', () => {
  it('norm / bias / dwconv multipliers, custom keys longest first, on the models module system', () => {
    const model = net();
    const got = settings(model, {
      optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, weight_decay: 0.01 },
      paramwise_cfg: {
        norm_decay_mult: 0,
        bias_decay_mult: 0.5,
        bias_lr_mult: 2,
        dwconv_decay_mult: 0.1,
        custom_keys: { '4': { lr_mult: 0.5 }, '4.weight': { lr_mult: 0.1, decay_mult: 0 } },
      },
    });
    // Derived by hand from mmengine's add_params (rule order: custom key, else bias lr; norm > bias > dwconv > flat decay).
    expect(got).toEqual({
      '0.weight': [0.1, 0.01],
      '0.bias': [0.2, 0.005],
      '1.weight': [0.1, 0],
      '1.bias': [0.1, 0], // bias_lr_mult skips norm biases
      '2.weight': [0.1, 0.01 * 0.1],
      '2.bias': [0.2, 0.005],
      '3.weight': [0.1, 0],
      '3.bias': [0.1, 0],
      '4.weight': [0.1 * 0.1, 0],
      '4.bias': [0.05, 0.01],
    });
    model.dispose?.();
  });

  it('flat_decay_mult applies to 1-D parameters no other rule took; frozen parameters are skipped', () => {
    const model = net();
    (model.child('4') as Linear).requiresGrad(false);
    const warnings: string[] = [];
    const groups = paramwiseGroups(model, { flat_decay_mult: 0.3 }, 0.1, 0.01, { warn: (m) => void warnings.push(m) });
    expect(groups.length).toBe(8);
    expect(groups.map((g) => g.weight_decay ?? null)).toEqual([null, 0.003, 0.003, 0.003, null, 0.003, 0.003, 0.003]);
    expect(warnings).toEqual(['4.weight is skipped since its requires_grad=False', '4.bias is skipped since its requires_grad=False']);
    model.dispose?.();
  });

  it('bypass_duplicate skips a shared parameter', () => {
    const shared = tf.variable(tf.zeros([2]));
    const leaf = (): ModuleLike<tf.Variable> => ({ typeNames: () => ['Linear'], namedChildren: () => [], namedParameters: () => [['weight', shared]] });
    const a = leaf();
    const b = leaf();
    const root: ModuleLike<tf.Variable> = { typeNames: () => ['Root'], namedChildren: () => [['a', a], ['b', b]], namedParameters: () => [] };
    const warnings: string[] = [];
    expect(paramwiseGroups(root, { bypass_duplicate: true }, 0.1, 0, { warn: (m) => void warnings.push(m) }).length).toBe(1);
    expect(warnings).toEqual(['b is duplicate. It is skipped since bypass_duplicate=true']);
    expect(() => buildOptimWrapper(root, { optimizer: { type: 'SGD', lr: 0.1 }, paramwise_cfg: { custom_keys: {} , bias_lr_mult: 1 } })).toThrow(/more than one parameter group/);
    shared.dispose();
  });

  it('LearningRateDecayOptimWrapperConstructor: lr × rate^(max_id − layer_id − 1), explicit weight decay rules', () => {
    const model = net();
    const cfg = {
      optimizer: { type: 'AdamW', lr: 1e-3, weight_decay: 0.05 },
      constructor: 'LearningRateDecayOptimWrapperConstructor',
      paramwise_cfg: { layer_decay_rate: 0.5, norm_decay_mult: 0, bias_decay_mult: 0, custom_keys: { '4.weight': { decay_mult: 0.1 } } },
    };
    expect(() => settings(model, cfg)).toThrow(/need the model Sequential has `get_layer_depth` method/);
    // Layer of a parameter = its Sequential index, out of 5 (as a backbone's get_layer_depth would say).
    Object.assign(model, { getLayerDepth: (name: string): [number, number] => [Number(name.split('.')[0]), 5] });
    const scale = (id: number) => 0.5 ** (5 - id - 1);
    expect(settings(model, cfg)).toEqual({
      '0.weight': [1e-3 * scale(0), 0.05],
      '0.bias': [1e-3 * scale(0), 0],
      '1.weight': [1e-3 * scale(1), 0],
      '1.bias': [1e-3 * scale(1), 0],
      '2.weight': [1e-3 * scale(2), 0.05], // no depthwise rule in this constructor
      '2.bias': [1e-3 * scale(2), 0],
      '3.weight': [1e-3 * scale(3), 0],
      '3.bias': [1e-3 * scale(3), 0],
      '4.weight': [1e-3, 0.05 * 0.1],
      '4.bias': [1e-3, 0],
    });
    model.dispose?.();
  });

  it('rejects unknown paramwise keys with the closest name', () => {
    const model = net();
    expect(() => settings(model, { optimizer: { type: 'SGD', lr: 0.1, weight_decay: 1e-4 }, paramwise_cfg: { norm_decay_mul: 0 } })).toThrow(/paramwise_cfg: unknown option 'norm_decay_mul' — did you mean 'norm_decay_mult'/);
    model.dispose?.();
  });
});
