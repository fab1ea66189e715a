import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerEngine } from '../register_all';
import { buildOptimWrapper, optimWrapperLog, type ModuleLike, type OptimWrapper } from './index';
import { buildParamSchedulers } from '../schedulers';

/** PyTorch 1.13 results made by testdata/torch_reference.py.txt (see its header for the loss and the cases). */
const REF = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'testdata/torch_reference.json'), 'utf8'));

interface Case {
  name: string;
  optimizer: Record<string, unknown>;
  groups?: Record<string, unknown>[];
  /** mmengine paramwise_cfg giving the script's second group (the `b` parameter). */
  paramwise?: Record<string, unknown>;
  clip_grad?: Record<string, unknown>;
  accumulative_counts?: number;
  iters?: number;
}

/** A root module owning `w` (2×3) and `b` (3), like the script's two tensors. */
function twoParamModel(): { model: ModuleLike<tf.Variable>; w: tf.Variable; b: tf.Variable } {
  const w = tf.variable(tf.tensor2d(REF.W0), true);
  const b = tf.variable(tf.tensor1d(REF.B0), true);
  const model: ModuleLike<tf.Variable> = {
    typeNames: () => ['Toy'],
    namedChildren: () => [],
    namedParameters: () => [['w', w], ['b', b]],
  };
  return { model, w, b };
}

function noise(n: number, t: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(0.7 * i + 1.3 * t));
}

function loss(w: tf.Variable, b: tf.Variable, t: number): tf.Scalar {
  const sq = (x: tf.Tensor, target: number[][] | number[]) => tf.sum(tf.square(tf.sub(x, tf.tensor(target))));
  const lin = (x: tf.Tensor) => tf.sum(tf.mul(x, tf.tensor(noise(x.size, t), x.shape)));
  return tf.addN([sq(w, REF.TW), sq(b, REF.TB), lin(w), lin(b)]) as tf.Scalar;
}

/** The optim_wrapper config of a case (two groups expressed as mmengine paramwise custom_keys). */
function wrapperConfig(c: Case): Record<string, unknown> {
  const cfg: Record<string, unknown> = { optimizer: { ...c.optimizer } };
  if (c.clip_grad) cfg.clip_grad = { ...c.clip_grad, ...(c.clip_grad.norm_type === 'inf' ? { norm_type: 'inf' } : {}) };
  if (c.accumulative_counts) cfg.accumulative_counts = c.accumulative_counts;
  if (c.paramwise) cfg.paramwise_cfg = c.paramwise;
  else if (c.groups) {
    const base = c.optimizer as { lr: number; weight_decay: number };
    const g = c.groups[1] as { lr: number; weight_decay: number };
    cfg.paramwise_cfg = { custom_keys: { '.b': { lr_mult: g.lr / base.lr, decay_mult: g.weight_decay / base.weight_decay } } };
  }
  return cfg;
}

beforeAll(async () => {
  registerEngine();
  await tf.setBackend('cpu');
});

describe('optimizers match PyTorch 1.13 step by step (testdata/torch_reference.json)', () => {
  for (const r of REF.results as { name: string; case: Case; after_each_iter: { w: number[]; b: number[] }[]; grad_norms: number[] }[]) {
    it(r.name, () => {
      const { model, w, b } = twoParamModel();
      const wrapper: OptimWrapper = buildOptimWrapper(model, wrapperConfig(r.case));
      const iters = r.case.iters ?? 6;
      wrapper.initializeCountStatus(0, iters);
      let worst = 0;
      const norms: number[] = [];
      for (let t = 0; t < iters; t++) {
        const updated = wrapper.updateParams(tf.variableGrads(() => loss(w, b, t), [w, b]).grads);
        if (updated && wrapper.lastGradNorm !== null) norms.push(wrapper.lastGradNorm);
        const want = r.after_each_iter[t];
        const gw = w.dataSync();
        const gb = b.dataSync();
        want.w.forEach((v, i) => (worst = Math.max(worst, Math.abs(gw[i] - v))));
        want.b.forEach((v, i) => (worst = Math.max(worst, Math.abs(gb[i] - v))));
      }
      expect(worst).toBeLessThan(2e-6);
      if (r.grad_norms.length) norms.forEach((n, i) => expect(n).toBeCloseTo(r.grad_norms[i], 5));
      wrapper.dispose();
      w.dispose();
      b.dispose();
    });
  }
});

describe('OptimWrapper and the constructor', () => {
  it('keeps the tensor count flat over many steps (Adam with amsgrad, clipping, accumulation)', () => {
    const { model, w, b } = twoParamModel();
    const wrapper = buildOptimWrapper(model, { optimizer: { type: 'Adam', lr: 1e-3, amsgrad: true }, clip_grad: { max_norm: 1 }, accumulative_counts: 2 });
    const step = (t: number) => {
      const { grads, value } = tf.variableGrads(() => loss(w, b, t), [w, b]);
      wrapper.updateParams(grads);
      tf.dispose([grads, value] as unknown as tf.Tensor[]);
    };
    for (let t = 0; t < 4; t++) step(t);
    const before = tf.memory().numTensors;
    for (let t = 4; t < 200; t++) step(t);
    expect(tf.memory().numTensors).toBe(before);
    wrapper.dispose();
    w.dispose();
    b.dispose();
  });

  it('every optimizer keeps the tensor count flat', () => {
    const { model, w, b } = twoParamModel();
    for (const optimizer of [
      { type: 'SGD', lr: 0.01, momentum: 0.9, nesterov: true, weight_decay: 1e-4 },
      { type: 'AdamW', lr: 1e-3 },
      { type: 'RMSprop', lr: 1e-3, momentum: 0.5, centered: true },
      { type: 'Adagrad', lr: 1e-2 },
      { type: 'Lamb', lr: 1e-3 },
      { type: 'LARS', lr: 0.1, momentum: 0.9, weight_decay: 1e-4 },
    ]) {
      const wrapper = buildOptimWrapper(model, { optimizer, clip_grad: { type: 'value', clip_value: 1 } });
      const step = (t: number) => {
        const { grads, value } = tf.variableGrads(() => loss(w, b, t), [w, b]);
        wrapper.updateParams(grads);
        tf.dispose([value, ...Object.values(grads)]);
      };
      step(0);
      const before = tf.memory().numTensors;
      for (let t = 1; t < 40; t++) step(t);
      expect({ type: optimizer.type, tensors: tf.memory().numTensors }).toEqual({ type: optimizer.type, tensors: before });
      wrapper.dispose();
    }
    w.dispose();
    b.dispose();
  });

  it('schedulers drive the wrapper groups (base_param_settings added with several groups)', () => {
    const { model, w, b } = twoParamModel();
    const wrapper = buildOptimWrapper(model, { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, weight_decay: 1e-4 }, paramwise_cfg: { custom_keys: { '.b': { lr_mult: 2 } } } });
    expect(wrapper.optimizer.paramGroups.length).toBe(2);
    expect(wrapper.paramGroups.length).toBe(3);
    buildParamSchedulers({ type: 'LinearLR', start_factor: 0.5, end: 2 }, wrapper);
    expect(wrapper.getLr()).toEqual({ lr: [0.05, 0.1], base_lr: [0.05] });
    expect(wrapper.getMomentum()).toEqual({ momentum: [0.9, 0.9] });
    wrapper.dispose();
    w.dispose();
    b.dispose();
  });

  it('state dict has PyTorch layout and restores momentum buffers', () => {
    const mk = () => twoParamModel();
    const a = mk();
    const wa = buildOptimWrapper(a.model, { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9 } });
    for (let t = 0; t < 3; t++) wa.updateParams(tf.variableGrads(() => loss(a.w, a.b, t), [a.w, a.b]).grads);
    const sd = wa.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(sd.param_groups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, params: [0, 1], nesterov: false });
    const c = mk();
    c.w.assign(a.w);
    c.b.assign(a.b);
    const wc = buildOptimWrapper(c.model, { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9 } });
    wc.loadStateDict(sd);
    for (const [x, wx] of [[a, wa], [c, wc]] as const) wx.updateParams(tf.variableGrads(() => loss(x.w, x.b, 3), [x.w, x.b]).grads);
    expect(Array.from(c.w.dataSync())).toEqual(Array.from(a.w.dataSync()));
    for (const x of [wa, wc]) x.dispose();
    for (const v of [a.w, a.b, c.w, c.b]) v.dispose();
  });

  it('AmpOptimWrapper is accepted and runs fp32 with a notice; bad configs fail clearly', () => {
    const notes: string[] = [];
    const saved = optimWrapperLog.warn;
    optimWrapperLog.warn = (m) => void notes.push(m);
    const { model, w, b } = twoParamModel();
    const amp = buildOptimWrapper(model, { type: 'AmpOptimWrapper', loss_scale: 'dynamic', optimizer: { type: 'SGD', lr: 0.1 } });
    optimWrapperLog.warn = saved;
    expect(notes.join()).toMatch(/fp32/);
    amp.dispose();
    expect(() => buildOptimWrapper(model, { optimizer: { type: 'SDG', lr: 0.1 } })).toThrow(/Unknown type 'SDG' in registry 'optimizer' — did you mean 'SGD'/);
    expect(() => buildOptimWrapper(model, { optimizer: { type: 'SGD', lr: 0.1, momentun: 0.9 } })).toThrow(/SGD: unknown option 'momentun' — did you mean 'momentum'/);
    expect(() => buildOptimWrapper(model, { optimizer: { type: 'SGD' } })).toThrow(/missing required option 'lr'/);
    expect(() => buildOptimWrapper(model, { optimizer: { type: 'SGD', lr: 0.1 }, clip_grad: { type: 'l2', max_norm: 1 } })).toThrow(/type of clip_grad should be "norm" or "value"/);
    expect(() => buildOptimWrapper(model, { optimizer: { type: 'SGD', lr: 0.1 }, paramwise_cfg: { norm_decay_mult: 0 } })).toThrow(/base_wd should not be None/);
    w.dispose();
    b.dispose();
  });
});
