import { describe, expect, it } from 'vitest';
import { MODELS, TRANSFORMS } from '../registry';
import { CIFAR10 } from '../datasets/cifar';
import { DefaultSampler } from '../datasets/samplers/default_sampler';
import { registerAll } from '../engine/setup_env';
import { buildParamSchedulers } from '../engine/schedulers/build';
import { checkKeys, didYouMean, expectInt, expectNumber, REQUIRED, resolveOptions } from './options';

describe('checkKeys', () => {
  it('one wording: the owner, the key, the closest names and every accepted one (in their declared order)', () => {
    expect(() => checkKeys({ stepsize: 1 }, ['step_size', 'gamma', 'by_epoch'], 'StepLR')).toThrow(
      new Error("StepLR: unknown option 'stepsize' — did you mean 'step_size'? (accepted: step_size, gamma, by_epoch)"),
    );
    expect(() => checkKeys({ zzz: 1 }, new Set(['alpha', 'beta']), 'Mixup')).toThrow(new Error("Mixup: unknown option 'zzz' (accepted: alpha, beta)"));
    expect(() => checkKeys({ alpha: 1, beta: 2 }, ['alpha', 'beta'], 'Mixup')).not.toThrow();
    expect(() => checkKeys({}, [], 'Nothing')).not.toThrow();
  });
  it('didYouMean lists up to three close names, best first', () => {
    expect(didYouMean('out_indice', ['out_indices', 'in_channels', 'frozen_stages'])).toBe(" — did you mean 'out_indices'?");
    expect(didYouMean('qqqqqq', ['alpha'])).toBe('');
  });
});

describe('resolveOptions / expectNumber / expectInt', () => {
  const spec = { lr: REQUIRED, momentum: 0, nesterov: false, dampening: undefined };
  it('fills defaults, keeps given values, refuses unknown and missing options and non-dicts', () => {
    expect(resolveOptions('SGD', { lr: 0.1, nesterov: true }, spec)).toEqual({ lr: 0.1, momentum: 0, nesterov: true, dampening: undefined });
    expect(() => resolveOptions('SGD', { lr: 0.1, momentun: 0.9 }, spec)).toThrow("SGD: unknown option 'momentun' — did you mean 'momentum'? (accepted: lr, momentum, nesterov, dampening)");
    expect(() => resolveOptions('SGD', { momentum: 0.9 }, spec)).toThrow("SGD: missing required option 'lr'");
    expect(() => resolveOptions('SGD', [1] as never, spec)).toThrow('SGD: options must be a dict, got [1]');
  });
  it('numbers and integers are checked by name', () => {
    expect(expectNumber('StepLR', 'gamma', 0.5)).toBe(0.5);
    expect(() => expectNumber('StepLR', 'gamma', '0.5')).toThrow(`StepLR: option 'gamma' must be a number, got "0.5"`);
    expect(() => expectInt('StepLR', 'step_size', 1.5)).toThrow("StepLR: option 'step_size' must be an integer, got 1.5");
  });
});

describe('every component family words an unknown option the same way', () => {
  registerAll();
  const wording = (owner: string, key: string, close: string) => new RegExp(`^${owner}: unknown option '${key}' — did you mean '${close}'[^(]*\\(accepted: [^)]*\\b${close}\\b`);
  it('models, transforms, datasets, samplers, schedulers', () => {
    expect(() => MODELS.build({ type: 'ResNet', depth: 18, out_indice: [3] })).toThrow(wording('ResNet', 'out_indice', 'out_indices'));
    expect(() => TRANSFORMS.build({ type: 'RandomFlip', prob: 0.5, directon: 'horizontal' })).toThrow(wording('RandomFlip', 'directon', 'direction'));
    expect(() => new CIFAR10({ data_root: 'x', splt: 'test' } as never)).toThrow(wording('CIFAR10', 'splt', 'split'));
    expect(() => new DefaultSampler({ shufle: true } as never, { dataset: { length: 4 } })).toThrow(wording('DefaultSampler', 'shufle', 'shuffle'));
    const optimWrapper = { optimizer: { paramGroups: [{ lr: 0.1 }] } };
    expect(() => buildParamSchedulers([{ type: 'StepLR', stepsize: 1 }] as never, optimWrapper as never, { epochLength: 1, maxEpochs: 1 })).toThrow(/StepLR: unknown option 'stepsize' — did you mean 'step_size'/);
  });
});
