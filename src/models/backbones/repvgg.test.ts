import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { getModelComplexityInfo } from '../analysis/complexity';
import { buildClassifier } from '../builder';
import { useBackend } from '../node';
import { checkRandomDeploy, checkZooDeploy, checkZooFuse } from '../testing/reparam_check';
import { zooPath } from '../testing/zoo';
import { RepVGG, RepVGGBlock } from './repvgg';
import { missingShared } from '../../testing/shared';

const TOL = 1e-4;
/** LinearClsHead(1000) parameters on `c` channels. */
const head = (c: number) => c * 1000 + 1000;

describe('RepVGG', () => {
  it('deploy-form parameter counts equal the metafile (A0, A1, B1g2, B1g4) with groups from group_layer_map', async () => {
    await useBackend('cpu');
    for (const [arch, params, c] of [['A0', 8309384, 1280], ['A1', 12789864, 1280], ['B1g2', 41360104, 2048], ['B1g4', 36125416, 2048]] as const) {
      const m = new RepVGG({ arch, deploy: true });
      expect(m.numParameters() + head(c), arch).toBe(params);
      m.dispose();
    }
    const g = new RepVGG({ arch: 'B1g4', deploy: true });
    const shapes = g.stateDictShapes();
    expect(shapes.get('stage_1.0.branch_reparam.weight')).toEqual([128, 64, 3, 3]); // block 1: dense
    expect(shapes.get('stage_1.1.branch_reparam.weight')).toEqual([128, 32, 3, 3]); // block 2: groups 4
    g.dispose();
  });

  it('train form of A0 has the 3×3, 1×1 and identity branches', async () => {
    await useBackend('cpu');
    const m = new RepVGG({ arch: 'A0' });
    const keys = [...m.stateDictShapes().keys()];
    expect(keys.filter((k) => k.startsWith('stem.')).map((k) => k.split('.')[1])).toEqual(Array(12).fill(0).map((_, i) => (i < 6 ? 'branch_3x3' : 'branch_1x1')));
    expect(keys).toContain('stage_1.1.branch_norm.running_var');
    expect(keys).not.toContain('stage_1.0.branch_norm.running_var'); // stride 2: no identity
    m.dispose();
  });

  it('A0 deploy form at 224: FLOPs equal the metafile (1360233728)', async () => {
    await useBackend('wasm');
    const m = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'RepVGG', arch: 'A0', deploy: true }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: 1280 } }, { seed: null });
    m.eval();
    expect(getModelComplexityInfo(m, [3, 224, 224]).flops).toBe(1360233728);
    m.dispose();
  });

  it.skipIf(missingShared(zooPath('RepVGG_tiny.pth')))('zoo fixture with fuseConvBn before or after switchToDeploy: logits within 1e-4', async () => {
    await useBackend('wasm');
    const r = await checkZooFuse('RepVGG');
    expect(r.foldThenSwitch).toBeLessThan(TOL);
    expect(r.switchThenFold).toBeLessThan(TOL);
  });

  it.skipIf(missingShared(zooPath('RepVGG_tiny.pth')))('zoo fixture → switchToDeploy: logits within 1e-4, deploy=True keys, exportable', async () => {
    await useBackend('wasm');
    const r = await checkZooDeploy('RepVGG', { deploy: true });
    console.log(`[RepVGG] deploy ${r.deployError.toExponential(2)} exported ${r.exportedError.toExponential(2)}`);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.switchedKeys.some(([k]) => k.includes('branch_3x3'))).toBe(false);
    expect(r.tensorLeak).toBe(0);
  });

  it('SE (D2se-like), group_layer_map, dilations and add_ppf: switched outputs equal the train form; keys equal deploy=True', async () => {
    await useBackend('wasm');
    const cfg = {
      type: 'RepVGG',
      arch: { num_blocks: [2, 2, 2, 1], width_factor: [0.25, 0.25, 0.25, 0.5], group_layer_map: { 2: 2, 4: 4, '6': 2 }, se_cfg: { ratio: 4, divisor: 1 }, stem_channels: 8 },
      base_channels: 32,
      out_indices: [1, 3],
      strides: [2, 2, 1, 1],
      dilations: [1, 1, 2, 2],
      add_ppf: true,
    };
    const r = await checkRandomDeploy(cfg, { deploy: true }, [2, 48, 48, 3]);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.switchedKeys.map(([k]) => k).filter((k) => k.startsWith('stem.'))).toEqual([
      'stem.branch_reparam.weight', 'stem.branch_reparam.bias',
      'stem.se_layer.conv1.conv.weight', 'stem.se_layer.conv1.conv.bias', 'stem.se_layer.conv2.conv.weight', 'stem.se_layer.conv2.conv.bias',
    ]);
    expect(r.switchedKeys.some(([k]) => k.startsWith('ppf.conv1.conv'))).toBe(true);
    expect(r.tensorLeak).toBe(0);
  });

  it('out_indices, stem_channels, frozen_stages and norm_eval', async () => {
    await useBackend('wasm');
    const arch = { num_blocks: [1, 1, 1, 1], width_factor: [0.125, 0.125, 0.125, 0.25], group_layer_map: null, se_cfg: null };
    const m = new RepVGG({ arch, out_indices: [0, 1, 2, 3], frozen_stages: 2, norm_eval: true });
    const x = tf.zeros([1, 64, 64, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 16, 16, 8], [1, 8, 8, 16], [1, 4, 4, 32], [1, 2, 2, 128]]);
    tf.dispose([x, ...outs]);
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k.split('.')[0]);
    expect([...new Set(frozen)]).toEqual(['stem', 'stage_1', 'stage_2']);
    expect(m.child('stage_3').training).toBe(true);
    expect(m.child('stage_3').child('0').child('branch_3x3').child('norm').training).toBe(false); // norm_eval
    m.dispose();
    const s = new RepVGG({ arch: { ...arch, stem_channels: 4 } });
    expect(s.stateDictShapes().get('stem.branch_3x3.conv.weight')).toEqual([4, 3, 3, 3]);
    s.dispose();
  });

  it('a frozen stage gives a frozen merged conv; switching twice is a no-op', async () => {
    await useBackend('wasm');
    const m = new RepVGG({ arch: { num_blocks: [1, 1, 1, 1], width_factor: [0.125, 0.125, 0.125, 0.25], group_layer_map: null, se_cfg: null }, frozen_stages: 1 });
    m.switchToDeploy();
    const shapes = [...m.stateDictShapes().keys()];
    m.switchToDeploy();
    expect([...m.stateDictShapes().keys()]).toEqual(shapes);
    expect(m.child('stem').child('branch_reparam').parameters().every((p) => !p.trainable)).toBe(true);
    expect(m.child('stage_2').child('0').child('branch_reparam').parameters().every((p) => p.trainable)).toBe(true);
    expect(m.child<RepVGGBlock>('stem').deploy).toBe(true);
    m.dispose();
  });

  it('MMPretrain error texts for a bad arch and a non-BN switch', async () => {
    await useBackend('wasm');
    expect(() => new RepVGG({ arch: 'C0' })).toThrow('"arch": "C0" is not one of the arch_settings');
    expect(() => new RepVGG({ arch: [1] as never })).toThrow('Expect "arch" to be either a string or a dict');
    expect(() => new RepVGG({ arch: { num_blocks: [1, 1, 1, 1], width_factor: [1, 1, 1, 1], se_cfg: null } as never })).toThrow("needs the key 'group_layer_map'");
    expect(() => new RepVGG({ arch: 'A0', out_indices: [4] })).toThrow('max(out_indices)');
    const b = new RepVGGBlock({ in_channels: 4, out_channels: 4, norm_cfg: { type: 'GN', num_groups: 2 } });
    expect(() => b.switchToDeploy()).toThrow("Switch is not allowed when norm_cfg['type'] != 'BN'.");
    b.dispose();
  });
});
