import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { getModelComplexityInfo } from '../analysis/complexity';
import { buildClassifier } from '../builder';
import { useBackend } from '../node';
import { checkRandomDeploy, checkZooDeploy, checkZooFuse } from '../testing/reparam_check';
import { zooPath } from '../testing/zoo';
import { MobileOne, MobileOneBlock } from './mobileone';
import { missingShared } from '../../testing/shared';

const TOL = 1e-4;
const head = (c: number) => c * 1000 + 1000;
const TINY = { num_blocks: [1, 1, 1, 1], width_factor: [0.125, 0.125, 0.125, 0.125], num_conv_branches: [2, 2, 2, 2], num_se_blocks: [0, 0, 0, 1] };

describe('MobileOne', () => {
  it('deploy-form parameter counts equal the metafile (s0–s4); s0 train form 5.29M', async () => {
    await useBackend('cpu');
    for (const [arch, params, c] of [['s0', 2078504, 1024], ['s1', 4764840, 1280], ['s2', 7808168, 2048], ['s3', 10078312, 2048], ['s4', 14838352, 2048]] as const) {
      const m = new MobileOne({ arch, deploy: true });
      expect(m.numParameters() + head(c), arch).toBe(params);
      m.dispose();
    }
    const t = new MobileOne({ arch: 's0' });
    expect(t.numParameters() + head(1024)).toBe(5293272);
    expect(t.stateDictShapes().has('stage2.1.branch_conv_list.3.conv.weight')).toBe(true); // 4 branches
    t.dispose();
    const s4 = new MobileOne({ arch: 's4', deploy: true });
    const se = [...s4.stateDictShapes().keys()].filter((k) => k.endsWith('se.conv1.conv.weight')).map((k) => k.split('.').slice(0, 2).join('.'));
    expect(se).toEqual(['stage3.10', 'stage3.11', 'stage3.12', 'stage3.13', 'stage3.14', 'stage3.15', 'stage3.16', 'stage3.17', 'stage3.18', 'stage3.19', 'stage4.0', 'stage4.1']);
    s4.dispose();
  });

  it('s0 deploy form at 224: FLOPs equal the metafile (274136576)', async () => {
    await useBackend('wasm');
    const m = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'MobileOne', arch: 's0', deploy: true }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: 1024 } }, { seed: null });
    m.eval();
    expect(getModelComplexityInfo(m, [3, 224, 224]).flops).toBe(274136576);
    m.dispose();
  });

  it.skipIf(missingShared(zooPath('MobileOne_tiny.pth')))('zoo fixture with fuseConvBn before or after switchToDeploy: logits within 1e-4', async () => {
    await useBackend('wasm');
    const r = await checkZooFuse('MobileOne');
    expect(r.foldThenSwitch).toBeLessThan(TOL);
    expect(r.switchThenFold).toBeLessThan(TOL);
  });

  it.skipIf(missingShared(zooPath('MobileOne_tiny.pth')))('zoo fixture → switchToDeploy: logits within 1e-4, deploy=True keys, exportable', async () => {
    await useBackend('wasm');
    const r = await checkZooDeploy('MobileOne', { deploy: true });
    console.log(`[MobileOne] deploy ${r.deployError.toExponential(2)} exported ${r.exportedError.toExponential(2)}`);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.switchedKeys.some(([k]) => k.includes('branch_conv_list'))).toBe(false);
    expect(r.tensorLeak).toBe(0);
  });

  it('several branches, SE and identity branches: random weights switch to the same outputs', async () => {
    await useBackend('wasm');
    const arch = { num_blocks: [2, 2, 1, 1], width_factor: [0.25, 0.25, 0.125, 0.125], num_conv_branches: [3, 1, 2, 4], num_se_blocks: [1, 0, 1, 1] };
    const r = await checkRandomDeploy({ type: 'MobileOne', arch, out_indices: [0, 2, 3], se_cfg: { ratio: 4 } }, { deploy: true }, [2, 64, 64, 3]);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.tensorLeak).toBe(0);
  });

  it('out_indices (int, negative), frozen_stages and norm_eval', async () => {
    await useBackend('wasm');
    const m = new MobileOne({ arch: TINY, out_indices: [0, -1], frozen_stages: 1, norm_eval: true });
    expect(m.outIndices).toEqual([0, 3]);
    const x = tf.zeros([1, 64, 64, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 16, 16, 8], [1, 2, 2, 64]]);
    tf.dispose([x, ...outs]);
    m.train();
    const frozen = new Set(m.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k.split('.')[0]));
    expect([...frozen]).toEqual(['stage0', 'stage1']);
    expect(m.child('stage2').child('0').child('branch_scale').child('norm').training).toBe(false);
    m.dispose();
    const one = new MobileOne({ arch: TINY, out_indices: 2 as never });
    expect(one.outIndices).toEqual([2]);
    one.dispose();
  });

  it('block branches: identity only for stride 1 and equal channels, scale only for k > 1', async () => {
    await useBackend('wasm');
    const dw = new MobileOneBlock({ in_channels: 8, out_channels: 8, kernel_size: 3, num_convs: 2, groups: 8 });
    expect(dw.namedChildren().map(([n]) => n)).toEqual(['se', 'branch_norm', 'branch_scale', 'branch_conv_list', 'act']);
    const pw = new MobileOneBlock({ in_channels: 8, out_channels: 16, kernel_size: 1, num_convs: 1, padding: 0 });
    expect(pw.namedChildren().map(([n]) => n)).toEqual(['se', 'branch_conv_list', 'act']);
    pw.switchToDeploy();
    expect([...pw.stateDictShapes()]).toEqual([['branch_reparam.weight', [16, 8, 1, 1]], ['branch_reparam.bias', [16]]]);
    dw.dispose();
    pw.dispose();
  });

  it('MMPretrain error texts', async () => {
    await useBackend('wasm');
    expect(() => new MobileOne({ arch: 's9' })).toThrow(`"arch": "s9" is not one of the ['s0', 's1', 's2', 's3', 's4']`);
    expect(() => new MobileOne({ arch: { ...TINY, num_blocks: [1, 1, 1] } })).toThrow('the value of num_blocks in arch must be list with 4 items.');
    expect(() => new MobileOne({ arch: { ...TINY, num_se_blocks: [2, 0, 0, 0] } })).toThrow('Number of SE blocks cannot exceed number of layers.');
    expect(() => new MobileOne({ arch: TINY, out_indices: [5] })).toThrow('Invalid out_indices 5.');
  });
});
