/** Res2Net: parameter counts of the real MMPretrain 1.2 class (and metafile), structure, options, folding. */
import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { useBackend } from '../node';
import { randomizeWeights } from '../testing/reparam_check';
import { fuseConvBn } from '../utils/fuse_conv_bn';
import { Bottle2neck, Res2Net } from './res2net';

/** LinearClsHead(1000) on 2048 channels. */
const HEAD = 2048 * 1000 + 1000;
const tiny = { stem_channels: 8, base_channels: 4, base_width: 4 };
const flat = (m: Res2Net, x: Tensor) => tf.tidy(() => tf.concat((m.call(x) as Tensor[]).map((o) => tf.reshape(o, [-1]))));

describe('Res2Net', () => {
  it('parameter counts equal MMPretrain 1.2 (backbone) and the metafile (with head)', async () => {
    await useBackend('wasm');
    // [depth, scales, base_width, deep_stem/avg_down, MMPretrain backbone params, metafile params or 0]
    const cases: [number, number, number, boolean, number, number][] = [
      [50, 8, 14, false, 23_010_816, 25_060_000],
      [50, 8, 26, false, 46_354_776, 48_400_000],
      [101, 4, 26, false, 43_157_688, 45_210_000],
      [50, 4, 26, true, 23_669_352, 0],
      [50, 2, 48, false, 23_238_304, 0],
    ];
    for (const [depth, scales, base_width, deep, params, meta] of cases) {
      const m = new Res2Net({ depth, scales, base_width, deep_stem: deep, avg_down: deep });
      expect(m.numParameters(), `${depth}-w${base_width}-s${scales}`).toBe(params);
      if (meta) expect(Math.round((params + HEAD) / 1e4) * 1e4).toBe(meta);
      m.dispose();
    }
  });

  it('keys: deep stem, avg-pool downsample, convs/bns after the block tail, no conv2', async () => {
    await useBackend('wasm');
    const m = new Res2Net({ depth: 50, scales: 3, ...tiny });
    const keys = [...m.stateDictShapes().keys()];
    expect(keys.slice(0, 2)).toEqual(['stem.0.conv.weight', 'stem.0.bn.weight']);
    const blk = keys.filter((k) => k.startsWith('layer2.0.') && k.endsWith('weight'));
    expect(blk).toEqual(['layer2.0.conv1.weight', 'layer2.0.bn1.weight', 'layer2.0.conv3.weight', 'layer2.0.bn3.weight', 'layer2.0.downsample.1.weight',
      'layer2.0.downsample.2.weight', 'layer2.0.convs.0.weight', 'layer2.0.convs.1.weight', 'layer2.0.bns.0.weight', 'layer2.0.bns.1.weight']);
    const b0 = m.child('layer2').child<Bottle2neck>('0');
    expect(b0.stageType).toBe('stage');
    expect(b0.namedChildren().map(([n]) => n)).toEqual(['conv1', 'bn1', 'conv3', 'bn3', 'relu', 'downsample', 'pool', 'convs', 'bns']);
    expect(m.child('layer2').child<Bottle2neck>('1').stageType).toBe('normal');
    // layer1 has stride 1 but avg_down still puts an AvgPool2d(1) first, as MMPretrain's Res2Layer.
    expect(m.child('layer1').child('0').child('downsample').child('0').typeName).toBe('AvgPool2d');
    m.dispose();
  });

  it('out_indices shapes, frozen_stages, norm_eval, errors', async () => {
    await useBackend('wasm');
    const m = new Res2Net({ depth: 50, scales: 4, ...tiny, out_indices: [0, 1, 2, 3], frozen_stages: 1, norm_eval: true });
    m.train();
    const x = tf.zeros([1, 64, 64, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 16, 16, 16], [1, 8, 8, 32], [1, 4, 4, 64], [1, 2, 2, 128]]);
    tf.dispose([x, ...outs]);
    const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k);
    expect(trainable.some((k) => k.startsWith('stem.') || k.startsWith('layer1.'))).toBe(false);
    expect(trainable.some((k) => k.startsWith('layer2.'))).toBe(true);
    expect(m.namedModules().filter(([, c]) => c.typeNames().includes('_BatchNorm')).every(([, c]) => !c.training)).toBe(true);
    m.dispose();
    expect(() => new Res2Net({ depth: 50, scales: 1 })).toThrow('Res2Net degenerates to ResNet when scales = 1.');
    expect(() => new Res2Net({ depth: 34 })).toThrow(/invalid depth 34 for Res2Net/);
  });

  it('BN folding keeps the outputs; drop_path is built but (as MMPretrain) not applied', async () => {
    await useBackend('wasm');
    const m = new Res2Net({ depth: 50, scales: 4, ...tiny, deep_stem: false, avg_down: false, style: 'caffe', out_indices: [1, 3] });
    randomizeWeights(m, 3);
    m.eval();
    const x = tf.randomNormal([2, 48, 48, 3], 0, 1, 'float32', 7);
    const a = flat(m, x);
    const scale = tf.max(tf.abs(a)).dataSync()[0];
    fuseConvBn(m);
    const b = flat(m, x);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / scale).toBeLessThan(1e-5);
    tf.dispose([a, b]);
    m.dispose();
    const d = new Res2Net({ depth: 50, scales: 4, ...tiny, drop_path_rate: 0.9 });
    d.eval();
    expect(d.child('layer4').child('2').namedChildren().map(([n]) => n)).toContain('drop_path');
    d.train();
    const r1 = flat(d, x);
    const r2 = flat(d, x);
    expect(tf.max(tf.abs(tf.sub(r1, r2))).dataSync()[0]).toBe(0);
    tf.dispose([r1, r2, x]);
    d.dispose();
  });
});

