/**
 * VisionTransformer with DINOv2-g's layers (`layer_cfgs=dict(ffn_type='swiglu_fused')`: SwiGLUFFNFused, hidden width
 * (⌊2/3·f⌋ + 7) // 8 · 8, with layer scale) against MMPretrain 1.2's own `vision_transformer.py` and `swiglu_ffn.py`
 * on PyTorch (group Q), a WASM training step through it, and MMPretrain's refusal of other ffn types.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import { initWeights } from '../nn/init';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { expectEveryParameterReached, expectFixtureParity } from '../testing/family_checks';
import { groupQCase, runGroupQCase } from './__fixtures__/group_q/load';
import type { VisionTransformer } from './vision_transformer';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const build = (cfg: Record<string, unknown>) => MODELS.build<VisionTransformer>({ type: 'VisionTransformer', ...cfg });

describe("VisionTransformer ffn_type='swiglu_fused' (DINOv2-g)", () => {
  it('keys, every token within 1e-4 of MMPretrain, no leak', async () => {
    const c = groupQCase('vit_swiglu_fused');
    const { type, ...cfg } = c.cfg;
    expect(type).toBe('VisionTransformer');
    const m = build(cfg);
    const shapes = m.stateDictShapes();
    await expectFixtureParity('vit_swiglu_fused', m, () => runGroupQCase(m, c), { outputs: 1 });
    // w12: 16 → 2·32, w3: 32 → 16 (the fused hidden width of feedforward_channels 40)
    expect(shapes.get('layers.0.ffn.w12.weight')).toEqual([64, 16]);
    expect(shapes.get('layers.0.ffn.w3.weight')).toEqual([16, 32]);
    expect(shapes.get('layers.1.ffn.gamma2.weight')).toEqual([16]);
  });

  it('a WASM training step gives every parameter a finite non-zero gradient, no leak', () => {
    const { type: _type, ...cfg } = groupQCase('vit_swiglu_fused').cfg;
    void _type;
    const m = build(cfg);
    try {
      initWeights(m);
      m.train();
      const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1);
      expectEveryParameterReached(m, () => tf.sum(tf.square(m.call(x)[0])) as tf.Scalar);
      x.dispose();
    } finally {
      m.dispose();
    }
  });

  it('another ffn_type is refused, naming it and the allowed ones', () => {
    expect(() => build({ arch: 'deit-tiny', img_size: 32, layer_cfgs: { ffn_type: 'swiglu' } })).toThrow("TransformerEncoderLayer: ffn_type 'swiglu' is not supported (allowed: 'origin', 'swiglu_fused')");
  });
});
