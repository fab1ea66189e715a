/**
 * LeViT and LeViTClsHead: parity with MMPretrain 1.2's source on PyTorch (LCG weights, `__fixtures__/group_m`) for
 * several archs / options in train form and after `switch_to_deploy` (same keys as PyTorch's fused model), deploy at
 * construction, metafile parameter counts, the attention-bias lookup, gradients, errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { LeViTClsHead } from '../heads/levit_head';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { AttentionBiasLookup, attentionBiasGrid } from '../utils/attention_bias';
import { switchToDeploy } from '../utils/reparam';
import { caseInput, fillCase, groupMCase, outputErrors } from './__fixtures__/group_m/load';
import { LeViT } from './levit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels(tf.getBackend());
});

const TOL = 1e-4;

function classifier(backbone: Record<string, unknown>, head: Record<string, unknown>): ImageClassifier {
  return MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone, neck: { type: 'GlobalAveragePooling' }, head });
}

/** Backbone outputs then logits, as the generator's model returns them. */
function run(m: ImageClassifier, x: Tensor): Tensor[] {
  const feats = m.featuresNHWC(x, 'backbone');
  const logits = tf.tidy(() => m.child('head').call(m.child('neck').call(feats)) as Tensor);
  return [...feats, logits];
}

describe('LeViT', () => {
  it.each([
    ['levit_128s_224', true],
    ['levit_128_112_r3', false],
    ['levit_192_noml', false],
  ] as const)('%s: outputs and logits as PyTorch (eval, deploy form; training-mode BN: %s)', async (name, trainMode) => {
    const c = groupMCase(name);
    const m = classifier(c.backbone, c.head!);
    const x = caseInput(c);
    try {
      fillCase(m, c);
      m.eval();
      const errs = await outputErrors(run(m, x), c.outputs);
      for (const e of errs) expect(e).toBeLessThan(TOL);
      let terrs: number[] = [];
      if (trainMode) {
        // Batch statistics (the head stays in eval: one sample). Over the few tokens of the late stages they are
        // ill-conditioned: PyTorch's own float32 and float64 results differ there by up to 5e-2 (measured with the
        // generator's models); the logits (token means) stay within 1e-7.
        m.train();
        m.child('head').eval();
        terrs = await outputErrors(run(m, x), c.train_outputs!);
        expect(terrs[terrs.length - 1]).toBeLessThan(TOL);
        for (const e of terrs) expect(e).toBeLessThan(5e-2);
        fillCase(m, c); // restore the running statistics the training pass moved
        m.eval();
      }
      switchToDeploy(m);
      expect([...m.stateDictShapes()]).toEqual(c.deploy_keys);
      const derrs = await outputErrors(run(m, x), c.deploy_outputs!);
      for (const e of derrs) expect(e).toBeLessThan(TOL);
      if (!trainMode) {
        // A second pass allocates nothing new (the first one built the cached kernels and bias-lookup matrices).
        const before = tf.memory().numTensors;
        tf.dispose(run(m, x));
        expect(tf.memory().numTensors).toBe(before);
      }
      console.log(`[levit] ${name}: eval ${errs.map((e) => e.toExponential(1)).join(' ')} | train-mode ${terrs.map((e) => e.toExponential(1)).join(' ')} | deploy ${derrs.map((e) => e.toExponential(1)).join(' ')}`);
    } finally {
      x.dispose();
      m.dispose();
    }
  }, 60_000);

  it('deploy=True at construction: the fused structure (biased conv / linear, no BN), loads the fused weights of a switched model', () => {
    const c = groupMCase('levit_192_noml');
    const a = classifier(c.backbone, c.head!);
    fillCase(a, c);
    a.eval();
    switchToDeploy(a);
    const b = classifier({ ...c.backbone, deploy: true }, { ...c.head!, deploy: true });
    b.eval();
    expect([...b.stateDictShapes()]).toEqual(c.deploy_keys);
    expect(b.namedModules().some(([, mod]) => mod.typeName.startsWith('BatchNorm'))).toBe(false);
    b.loadStateDict(a.stateDict());
    const x = caseInput(c);
    const ya = a.call(x) as Tensor;
    const yb = b.call(x) as Tensor;
    expect(tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]).toBe(0);
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it.each([
    ['128s', 384, 7_391_290],
    ['128', 384, 8_828_168],
    ['192', 384, 10_561_301],
    ['256', 512, 18_379_852],
    ['384', 768, 38_358_300],
  ] as const)('%s: metafile parameter count without head_dist (%i-d features), + one BN·Linear head with it', (arch, inC, params) => {
    const plain = classifier({ type: 'LeViT', arch }, { type: 'LeViTClsHead', in_channels: inC, num_classes: 1000, distillation: false });
    expect(plain.numParameters()).toBe(params);
    plain.dispose();
    const dist = classifier({ type: 'LeViT', arch: arch.toUpperCase() }, { type: 'LeViTClsHead', in_channels: inC, num_classes: 1000 });
    // The metafile numbers leave out `head_dist` (BN1d 2·C + Linear C·1000 + 1000), which the configs build.
    expect(dist.numParameters()).toBe(params + 2 * inC + inC * 1000 + 1000);
    dist.dispose();
  });

  it('the zoo model (128s at 224, out_indices [2]): 336 state-dict entries, finite outputs', () => {
    const m = classifier({ type: 'LeViT', arch: '128s', img_size: 224, patch_size: 16, drop_path_rate: 0, attn_ratio: 2, mlp_ratio: 2, out_indices: [2] }, { type: 'LeViTClsHead', num_classes: 10, in_channels: 384, distillation: true });
    expect(m.stateDictShapes().size).toBe(336);
    expect(m.numParameters()).toBe(7_014_758);
    m.eval();
    const x = tf.randomNormal([2, 3, 224, 224], 0, 1, 'float32', 3);
    const feats = m.featuresNHWC(x, 'backbone');
    expect(feats.map((f) => f.shape)).toEqual([[2, 4, 4, 384]]);
    const y = m.call(x) as Tensor;
    expect(y.shape).toEqual([2, 10]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, y, ...feats]);
    m.dispose();
  });

  it('attention-bias lookup equals attention_biases[:, attention_bias_idxs] (plain, strided, rectangular)', () => {
    for (const [res, stride, q] of [
      [[5, 5], 1, [5, 5]],
      [[7, 7], 2, [4, 4]],
      [[14, 14], 2, [7, 7]],
      [[3, 4], 1, [3, 4]],
    ] as [[number, number], number, [number, number]][]) {
      const grid = attentionBiasGrid(res, stride, q);
      const lk = new AttentionBiasLookup(grid);
      const table = tf.randomNormal([3, grid.offsets.length], 0, 1, 'float32', 1);
      const got = lk.lookup(table);
      const want = tf.reshape(tf.gather(table, tf.tensor1d(grid.idxs, 'int32'), 1), [3, q[0] * q[1], res[0] * res[1]]);
      expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBe(0);
      tf.dispose([table, got, want]);
      lk.dispose();
    }
    // LeViT's subsample grid 14 → 7 has every (|Δr|, |Δc|) in 0..13: 196 offsets, as `attention_biases` [heads, 196].
    expect(attentionBiasGrid([14, 14], 2, [7, 7]).offsets.length).toBe(196);
    expect(attentionBiasGrid([7, 7], 2, [4, 4]).offsets.length).toBe(49);
  });

  it('a training step: finite non-zero gradients for every parameter (train-mode BN over all tokens), drop_path active', () => {
    const m = new LeViT({ arch: { embed_dims: [16, 24, 32], num_heads: [2, 3, 4], depths: [1, 1, 1], key_dims: [8, 8, 8] }, img_size: 128, drop_path_rate: 0.1, out_indices: [0, 1, 2] });
    fillCase(m, { weight_seed: 3, var_scale: 4 });
    m.train();
    expect(m.namedModules().filter(([, mod]) => mod.typeName === 'DropPath').length).toBe(8);
    const x = tf.randomNormal([2, 128, 128, 3], 0, 1, 'float32', 2);
    const params = m.namedParameters().filter(([, v]) => v.trainable);
    const { value, grads } = tf.variableGrads(() => tf.addN(m.call(x).map((o, i) => tf.mean(tf.square(tf.add(o, i))))) as tf.Scalar, params.map(([, v]) => v));
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const [n, v] of params) {
      const g = Array.from(grads[v.name].dataSync());
      expect(g.every(Number.isFinite), n).toBe(true);
      expect(g.some((e) => e !== 0), n).toBe(true);
    }
    tf.dispose([x, value, ...Object.values(grads)]);
    m.dispose();
  });

  it('arch and out_indices errors with MMPretrain’s text', () => {
    expect(() => new LeViT({ arch: '512' })).toThrow("Arch 512 is not in default archs {'128s', '128', '192', '256', '384'}");
    expect(() => new LeViT({ arch: { embed_dims: [8], num_heads: [1], depths: [1] } as never })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'num_heads', 'depths', 'key_dims'}");
    expect(() => new LeViT({ arch: '128s', out_indices: [3] })).toThrow('Invalid out_indices 3.');
    expect(() => new LeViT({ arch: '128s', frozen_stages: 1 } as never)).toThrow(/frozen_stages/);
    const m = new LeViT({ arch: '128s', img_size: 64, out_indices: [-3, -1] });
    expect(m.outIndices).toEqual([0, 2]);
    expect(m.resolutions).toEqual([4, 2, 1]);
    m.dispose();
  });

  it('LeViTClsHead: mean of head and head_dist; deploy folds BN into Linear (same scores); no head_dist without distillation', () => {
    const h = new LeViTClsHead({ in_channels: 6, num_classes: 4 });
    fillCase(h, { weight_seed: 9 });
    h.eval();
    const x = tf.randomNormal([3, 6], 0, 1, 'float32', 4);
    const y = h.call([x]);
    const a = h.child('head').call(x) as Tensor;
    const b = h.child('head_dist').call(x) as Tensor;
    expect(tf.max(tf.abs(tf.sub(y, tf.div(tf.add(a, b), 2)))).dataSync()[0]).toBeLessThan(1e-6);
    h.switchToDeploy();
    expect([...h.stateDictShapes().keys()]).toEqual(['head.weight', 'head.bias', 'head_dist.weight', 'head_dist.bias']);
    const yd = h.call([x]);
    expect(tf.max(tf.abs(tf.sub(y, yd))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, y, a, b, yd]);
    h.dispose();
    const single = new LeViTClsHead({ in_channels: 6, num_classes: 4, distillation: false });
    expect([...single.stateDictShapes().keys()].filter((k) => k.startsWith('head_dist'))).toEqual([]);
    single.dispose();
  });
});
