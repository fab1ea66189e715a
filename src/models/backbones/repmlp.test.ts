import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { useBackend } from '../node';
import { checkRandomDeploy, checkZooDeploy, checkZooFuse, randomizeWeights } from '../testing/reparam_check';
import { zooPath } from '../testing/zoo';
import { RepMLPBlock, RepMLPNet } from './repmlp';
import { missingShared } from '../../testing/shared';

const TOL = 1e-4;
const TINY = { channels: [8, 16, 24, 32], depths: [1, 1, 1, 1], sharesets_nums: [1, 2, 4, 8] };

describe('RepMLPNet', () => {
  it('B at 224 / 256 with reparam_conv_kernels (1, 3): parameter counts as the metafile (68.24M, 96.45M)', async () => {
    await useBackend('cpu');
    for (const [img, millions] of [[224, 68.24], [256, 96.45]] as const) {
      const m = new RepMLPNet({ arch: 'B', img_size: img, reparam_conv_kernels: [1, 3] });
      expect(+((m.numParameters() + 768 * 1000 + 1000) / 1e6).toFixed(2), `B${img}`).toBe(millions);
      if (img === 224) {
        const s = m.stateDictShapes();
        expect(s.get('stages.0.0.repmlp_block.fc3.weight')).toEqual([3136, 3136, 1, 1]);
        expect(s.get('stages.3.1.repmlp_block.fc3.weight')).toEqual([6272, 49, 1, 1]); // 7·7·128, groups 128
        expect(s.get('stages.3.1.repmlp_block.repconv3.conv.weight')).toEqual([128, 1, 3, 3]);
      }
      m.dispose();
    }
  });

  it.skipIf(missingShared(zooPath('RepMLPNet_tiny.pth')))('zoo fixture with fuseConvBn before or after switchToDeploy: logits within 1e-4', async () => {
    await useBackend('wasm');
    const r = await checkZooFuse('RepMLPNet');
    expect(r.foldThenSwitch).toBeLessThan(TOL);
    expect(r.switchThenFold).toBeLessThan(TOL);
  });

  it.skipIf(missingShared(zooPath('RepMLPNet_tiny.pth')))('zoo fixture → switchToDeploy: logits within 1e-4, deploy=True keys, exportable', async () => {
    await useBackend('wasm');
    const r = await checkZooDeploy('RepMLPNet', { deploy: true });
    console.log(`[RepMLPNet] deploy ${r.deployError.toExponential(2)} exported ${r.exportedError.toExponential(2)}`);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.switchedKeys.find(([k]) => k === 'backbone.stages.1.0.repmlp_block.fc3.bias')?.[1]).toEqual([128]);
    expect(r.switchedKeys.some(([k]) => k.includes('repconv') || k.includes('fc3_bn'))).toBe(false);
    expect(r.tensorLeak).toBe(0);
  });

  it('every stage output, kernels (1, 3, 5), no final norm: random weights switch to the same outputs', async () => {
    await useBackend('wasm');
    const cfg = { type: 'RepMLPNet', arch: TINY, img_size: 32, out_indices: [0, 1, 2, 3], reparam_conv_kernels: [1, 3, 5], globalperceptron_ratio: 2, final_norm: false };
    const r = await checkRandomDeploy(cfg, { deploy: true }, [2, 32, 32, 3]);
    expect(r.deployError).toBeLessThan(TOL);
    expect(r.exportedError).toBeLessThan(TOL);
    expect(r.switchedKeys).toEqual(r.deployKeys);
    expect(r.tensorLeak).toBe(0);
  });

  it('a block on an input of several partitions (hp·wp > 1, 2 sharesets) switches exactly', async () => {
    await useBackend('wasm');
    const b = new RepMLPBlock({ channels: 4, path_h: 2, path_w: 2, num_sharesets: 2, reparam_conv_kernels: [1, 3], globalperceptron_ratio: 1 });
    randomizeWeights(b, 5);
    b.eval();
    const x = tf.randomNormal([2, 4, 6, 4], 0, 1, 'float32', 9);
    const y = b.call(x);
    b.switchToDeploy();
    expect(b.namedChildren().map(([n]) => n)).toEqual(['gp', 'fc3', 'fc3_bn']);
    const z = b.call(x);
    expect(tf.max(tf.abs(tf.sub(y, z))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, y, z]);
    b.dispose();
  });

  it('outputs: stage i after its downsample, the last through final_norm; fixed input size', async () => {
    await useBackend('wasm');
    const m = new RepMLPNet({ arch: TINY, img_size: 32, out_indices: [0, 3] });
    m.eval();
    const x = tf.zeros([1, 32, 32, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 4, 4, 16], [1, 1, 1, 32]]);
    tf.dispose(outs);
    const bad = tf.zeros([1, 64, 64, 3]);
    expect(() => m.call(bad)).toThrow("The Rep-MLP doesn't support dynamic input shape. Please input images with shape (32, 32)");
    tf.dispose([x, bad]);
    m.dispose();
  });

  it('MMPretrain error texts', async () => {
    await useBackend('wasm');
    expect(() => new RepMLPNet({ arch: 'T' })).toThrow("Arch t is not in default archs {'b', 'base'}");
    expect(() => new RepMLPNet({ arch: { channels: [8], depths: [1] } as never })).toThrow("Custom arch needs a dict with keys {'channels', 'depths', 'sharesets_nums'}.");
    expect(() => new RepMLPNet({ arch: { ...TINY, depths: [1, 1, 1] } })).toThrow('Length of setting item in arch dict must be type of list and have the same length.');
  });
});
