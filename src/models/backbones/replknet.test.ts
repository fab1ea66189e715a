import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { DropPath } from '../nn/dropout';
import { Identity } from '../nn/module';
import { useBackend } from '../node';
import { checkRandomDeploy, checkZooDeploy, checkZooFuse } from '../testing/reparam_check';
import { zooPath } from '../testing/zoo';
import { RepLKNet, ReparamLargeKernelConv } from './replknet';
import { missingShared } from '../../testing/shared';

const TOL = 1e-4;
const TINY = { large_kernel_sizes: [7, 7, 5, 3], layers: [1, 1, 1, 1], channels: [8, 16, 24, 32], small_kernel: 3, dw_ratio: 1 };

describe('RepLKNet', () => {
  it('31B: parameter count equals the metafile; the merged form drops exactly the small kernels', async () => {
    await useBackend('cpu');
    const m = new RepLKNet({ arch: '31B' });
    expect(m.numParameters() + 1024 * 1000 + 1000).toBe(79864168);
    const shapes = m.stateDictShapes();
    expect(shapes.get('stages.0.blocks.0.large_kernel.lkb_origin.conv.weight')).toEqual([128, 1, 31, 31]);
    expect(shapes.get('stages.3.blocks.2.large_kernel.small_conv.conv.weight')).toEqual([1024, 1, 5, 5]);
    const small = [...shapes].filter(([k]) => k.includes('small_conv.') && !k.endsWith('num_batches_tracked'));
    const lkBn = [...shapes].filter(([k]) => k.includes('lkb_origin.bn.') && /(weight|bias)$/.test(k));
    const count = (e: [string, number[]][]) => e.reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
    const trainParams = m.numParameters();
    m.dispose();
    const d = new RepLKNet({ arch: '31B', small_kernel_merged: true });
    // Merged: small conv weight + its BN affine gone, the large kernel's BN affine becomes the conv bias (half of it).
    const smallParams = count(small.filter(([k]) => !k.includes('running')));
    expect(d.numParameters()).toBe(trainParams - smallParams - count(lkBn) / 2);
    d.dispose();
  });

  it.skipIf(missingShared(zooPath('RepLKNet_tiny.pth')))('zoo fixture with fuseConvBn before or after switchToDeploy: logits within 1e-4', async () => {
    await useBackend('wasm');
    const r = await checkZooFuse('RepLKNet');
    expect(r.foldThenSwitch).toBeLessThan(TOL);
    expect(r.switchThenFold).toBeLessThan(TOL);
  });

  it.skipIf(missingShared(zooPath('RepLKNet_tiny.pth')))('zoo fixture → switchToDeploy: logits within 1e-4, small_kernel_merged=True keys, exportable', async () => {
    await useBackend('wasm');
    const r = await checkZooDeploy('RepLKNet', { small_kernel_merged: true });
    console.log(`[RepLKNet] deploy ${r.deployError.toExponential(2)} exported ${r.exportedError.toExponential(2)}`);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.switchedKeys.some(([k]) => k.includes('lkb_reparam.bias'))).toBe(true);
    expect(r.tensorLeak).toBe(0);
  });

  it('XL-like (no small kernel, dw_ratio 1.5) and every stage output: random weights switch to the same outputs', async () => {
    await useBackend('wasm');
    const arch = { large_kernel_sizes: [9, 7, 5, 3], layers: [1, 2, 1, 1], channels: [8, 16, 16, 24], small_kernel: null, dw_ratio: 1.5 };
    const r = await checkRandomDeploy({ type: 'RepLKNet', arch, out_indices: [0, 1, 2, 3], ffn_ratio: 2 }, { small_kernel_merged: true }, [2, 64, 64, 3]);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.switchedKeys.find(([k]) => k === 'stages.1.blocks.2.large_kernel.lkb_reparam.weight')?.[1]).toEqual([24, 1, 7, 7]);
    expect(r.tensorLeak).toBe(0);
  });

  it('out_indices give the stage norms; drop_path_rate spreads linearly; frozen_stages freezes the stem and stages (not transitions)', async () => {
    await useBackend('wasm');
    const m = new RepLKNet({ arch: { ...TINY, layers: [1, 1, 2, 1] }, out_indices: [1, 3], drop_path_rate: 0.4, frozen_stages: 2 });
    const keys = [...m.stateDictShapes().keys()];
    expect(keys.filter((k) => /^stages\.\d\.norm\.weight$/.test(k))).toEqual(['stages.1.norm.weight', 'stages.3.norm.weight']);
    const dp = m.namedModules().filter(([n]) => n.endsWith('drop_path')).map(([, x]) => (x instanceof DropPath ? x.dropProb : x instanceof Identity ? 0 : -1));
    expect(dp.map((v) => +v.toFixed(6))).toEqual([0, 0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4]);
    m.train();
    const frozen = new Set(m.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k.split('.').slice(0, 2).join('.')));
    expect([...frozen]).toEqual(['stem.0', 'stem.1', 'stem.2', 'stem.3', 'stages.0', 'stages.1']);
    m.eval();
    const x = tf.zeros([1, 64, 64, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 8, 8, 16], [1, 2, 2, 32]]);
    tf.dispose([x, ...outs]);
    m.dispose();
  });

  it('ReparamLargeKernelConv merges a 3×3 into a 7×7 (stride 2) exactly', async () => {
    await useBackend('wasm');
    const c = new ReparamLargeKernelConv({ in_channels: 6, out_channels: 6, kernel_size: 7, stride: 2, groups: 6, small_kernel: 3 });
    c.eval();
    tf.tidy(() => {
      for (const [, p] of c.namedParameters()) p.assign(tf.randomNormal(p.shape, 0.5, 0.5, 'float32', p.size));
    });
    const x = tf.randomNormal([1, 15, 15, 6], 0, 1, 'float32', 3);
    const a = c.call(x);
    c.mergeKernel();
    expect(c.namedChildren().map(([n]) => n)).toEqual(['lkb_reparam']);
    const b = c.call(x);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    c.dispose();
  });

  it('MMPretrain error texts', async () => {
    await useBackend('wasm');
    expect(() => new RepLKNet({ arch: '31X' })).toThrow('"arch": "31X" is not one of the arch_settings');
    expect(() => new RepLKNet({ arch: 31 as never })).toThrow('Expect "arch" to be either a string or a dict');
    expect(() => new RepLKNet({ arch: TINY, out_indices: [4] })).toThrow('max(out_indices)');
    expect(() => new RepLKNet({ arch: { ...TINY, small_kernel: 9 } })).toThrow('small_kernel 9 must be <= kernel_size 7');
  });
});
