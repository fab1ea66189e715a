import { describe, expect, it } from 'vitest';
import { strToU8 } from 'fflate';
import { FileSystem, MemorySource } from '../fileio/sources';
import { ClassBalancedDataset, ConcatDataset, KFoldDataset, RepeatDataset, classBalancedRepeatFactors } from './dataset_wrappers';
import { DefaultSampler, InfiniteSampler, SequentialSampler } from './samplers/default_sampler';
import { RepeatAugSampler } from './samplers/repeat_aug';
import { DataLoader, buildDataLoader } from './data_loader';
import { defaultCollate, pseudoCollate } from './collate';
import { numpyShuffle } from './utils/numpy_random';
import { registerDatasets } from './register_all';
import { registerSamplers } from './samplers/register_all';
import { buildDataset } from './builder';
import type { DataInfo } from './types';

/** 23 samples with labels i % 3 (an annotation-file CustomDataset in memory). */
function labelled(n = 23, classes = ['a', 'b', 'c'], labelOf = (i: number) => i % 3): { fs: FileSystem; cfg: Record<string, unknown> } {
  const fs = new FileSystem(null);
  const lines = Array.from({ length: n }, (_, i) => `img${i}.png ${labelOf(i)}`).join('\n');
  fs.mount('', new MemorySource({ 'ann.txt': strToU8(lines) }));
  return { fs, cfg: { type: 'CustomDataset', ann_file: 'ann.txt', data_prefix: 'imgs', classes } };
}

const label = (info: DataInfo) => info.gt_label as number;

describe('numpy default_rng shuffle (KFoldDataset parity)', () => {
  it('matches numpy 2.4 bit for bit', () => {
    // python3 -c "import numpy as np; l=list(range(50000)); np.random.default_rng(2**31+5).shuffle(l); print(l[:5], l[-3:], sum(i*v for i,v in enumerate(l[:1000])))"
    const l = numpyShuffle(Array.from({ length: 50000 }, (_, i) => i), 2 ** 31 + 5);
    expect(l.slice(0, 5)).toEqual([18253, 4766, 9994, 39080, 40918]);
    expect(l.slice(-3)).toEqual([28340, 6603, 6128]);
    expect(l.slice(0, 1000).reduce((s, v, i) => s + i * v, 0)).toBe(12128850647);
  });
});

describe('dataset wrappers', () => {
  registerDatasets();

  it('KFoldDataset: folds partition the data; seeded folds equal MMPretrain (numpy) folds', async () => {
    const { fs, cfg } = labelled();
    const ctx = { fileSystem: fs };
    const all = new Set<number>();
    for (let fold = 0; fold < 5; fold++) {
      const test = new KFoldDataset({ dataset: cfg as never, fold, num_splits: 5, test_mode: true, seed: 2 }, ctx);
      const train = new KFoldDataset({ dataset: cfg as never, fold, num_splits: 5, seed: 2 }, ctx);
      await Promise.all([test.fullInit(), train.fullInit()]);
      expect(test.length + train.length).toBe(23);
      expect(new Set([...test.oriIndices, ...train.oriIndices]).size).toBe(23);
      test.oriIndices.forEach((i) => all.add(i));
      expect(test.getDataInfo(0).img_path).toBe(`imgs/img${test.oriIndices[0]}.png`);
    }
    expect(all.size).toBe(23);
    // MMPretrain: KFoldDataset(..., fold=1, num_splits=5, test_mode=True, seed=2) → indices [16, 7, 6, 22, 12] (numpy)
    expect(KFoldDataset.foldIndices(23, 1, 5, true, 2)).toEqual([16, 7, 6, 22, 12]);
    expect(KFoldDataset.foldIndices(23, 4, 5, true, 2)).toEqual([5, 3, 4, 8, 1]);
    expect(KFoldDataset.foldIndices(23, 1, 5, true, null)).toEqual([4, 5, 6, 7, 8]);
    const kf = new KFoldDataset({ dataset: cfg as never, fold: 1, num_splits: 5 }, ctx);
    await kf.fullInit();
    expect(String(kf)).toContain('Fold: \t2nd of 5-fold');
    expect(kf.CLASSES).toEqual(['a', 'b', 'c']);
    expect(() => new KFoldDataset({ dataset: cfg as never, fold: 5 }, ctx)).toThrow(/fold must be in \[0, 5\)/);
  });

  it('ConcatDataset and RepeatDataset index mapping; metainfo must match', async () => {
    const { fs, cfg } = labelled(7);
    const ctx = { fileSystem: fs };
    const cat = new ConcatDataset({ datasets: [cfg as never, { ...cfg, indices: 3 } as never] }, ctx);
    await cat.fullInit();
    expect(cat.length).toBe(10);
    expect(cat.datasetIndex(8)).toEqual([1, 1]);
    expect(cat.getDataInfo(8).img_path).toBe('imgs/img1.png');
    expect(cat.getDataInfo(-1).img_path).toBe('imgs/img2.png');
    const bad = new ConcatDataset({ datasets: [cfg as never, { ...cfg, classes: ['x', 'y', 'z'] } as never] }, ctx);
    await expect(bad.fullInit()).rejects.toThrow(/meta information 'classes' of dataset 2 does not match/);
    const ok = new ConcatDataset({ datasets: [cfg as never, { ...cfg, classes: ['x', 'y', 'z'] } as never], ignore_keys: 'classes' }, ctx);
    await expect(ok.fullInit()).resolves.toBeUndefined();
    const rep = new RepeatDataset({ dataset: cfg as never, times: 3 }, ctx);
    await rep.fullInit();
    expect(rep.length).toBe(21);
    expect(rep.getDataInfo(15).img_path).toBe('imgs/img1.png');
    expect(rep.getCatIds(15)).toEqual([1]);
  });

  it('ClassBalancedDataset: repeat factors match a hand-computed example', async () => {
    // 4 samples: class 0 ×3 (f=0.75), class 1 ×1 (f=0.25); t=0.5 → r0 = max(1, sqrt(0.5/0.75)) = 1, r1 = sqrt(2)
    expect(classBalancedRepeatFactors([[0], [0], [0], [1]], 0.5)).toEqual([1, 1, 1, Math.SQRT2]);
    // multi-label: f0 = 2/3, f1 = 1/3; t = 0.8 → r0 = sqrt(1.2), r1 = sqrt(2.4); an unlabelled image keeps 1
    const r = classBalancedRepeatFactors([[0, 1], [0], []], 0.8);
    expect(r[0]).toBeCloseTo(Math.sqrt(2.4), 12);
    expect(r[1]).toBeCloseTo(Math.sqrt(1.2), 12);
    expect(r[2]).toBe(1);
    const { fs, cfg } = labelled(4, ['a', 'b'], (i) => (i === 3 ? 1 : 0));
    const cb = new ClassBalancedDataset({ dataset: cfg as never, oversample_thr: 0.5 }, { fileSystem: fs });
    await cb.fullInit();
    expect(cb.repeatIndices).toEqual([0, 1, 2, 3, 3]);
    expect(cb.length).toBe(5);
    expect(cb.getDataInfo(4).img_path).toBe('imgs/img3.png');
  });

  it('buildDataset: a list of configs becomes a ConcatDataset; lazy_init skips loading', async () => {
    const { fs, cfg } = labelled(5);
    const ds = await buildDataset([cfg as never, cfg as never], { fileSystem: fs });
    expect(ds.length).toBe(10);
    const lazy = await buildDataset({ ...cfg, lazy_init: true } as never, { fileSystem: fs });
    expect(() => lazy.length).toThrow(/not initialised/);
  });
});

describe('samplers', () => {
  const ds = { length: 10 };

  it('DefaultSampler: seeded shuffle per epoch, round_up across ranks as mmengine', () => {
    const s = new DefaultSampler({ shuffle: true, seed: 7 }, { dataset: ds });
    const e0 = [...s];
    expect([...s]).toEqual(e0);
    expect([...e0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    s.setEpoch(1);
    expect([...s]).not.toEqual(e0);
    // 10 samples on 3 ranks: total 12 (indices 0, 1 repeated), rank r takes every 3rd from r
    const ranks = [0, 1, 2].map((rank) => [...new DefaultSampler({ shuffle: false }, { dataset: ds, rank, world_size: 3 })]);
    expect(ranks).toEqual([[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]);
    const noRound = new DefaultSampler({ shuffle: false, round_up: false }, { dataset: ds, rank: 1, world_size: 3 });
    expect([...noRound]).toEqual([1, 4, 7]);
    expect(noRound.length).toBe(3);
    expect(new DefaultSampler({}, { dataset: ds, seed: 3 }).seed).toBe(3);
    expect(() => new DefaultSampler({ shufle: true } as never, { dataset: ds })).toThrow(/unknown option 'shufle'/);
  });

  it('InfiniteSampler keeps going with a new permutation each pass; SequentialSampler blocks', () => {
    const it = new InfiniteSampler({ seed: 1 }, { dataset: ds })[Symbol.iterator]();
    const first30 = Array.from({ length: 30 }, () => it.next().value as number);
    for (let p = 0; p < 3; p++) expect([...first30.slice(p * 10, p * 10 + 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(first30.slice(0, 10)).not.toEqual(first30.slice(10, 20));
    const seq = [0, 1, 2].map((rank) => [...new SequentialSampler({ subsample_type: 'sequential' }, { dataset: ds, rank, world_size: 3 })]);
    expect(seq).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]]);
  });

  it('RepeatAugSampler: each index num_repeats times, spread over ranks (MMPretrain example by hand)', () => {
    // 4 samples, 3 repeats, 2 ranks: [0,0,0,1,1,1,2,2,2,3,3,3] → rank 0 takes even positions, then the first ceil(4/2)=2
    const ranks = [0, 1].map((rank) => [...new RepeatAugSampler({ shuffle: false }, { dataset: { length: 4 }, rank, world_size: 2 })]);
    expect(ranks).toEqual([[0, 0], [0, 1]]);
    const one = new RepeatAugSampler({ shuffle: true, seed: 5, num_repeats: 2 }, { dataset: { length: 6 } });
    const idx = [...one];
    expect(idx.length).toBe(6);
    expect(idx[0]).toBe(idx[1]);
    expect(idx[2]).toBe(idx[3]);
  });
});

describe('DataLoader', () => {
  registerDatasets();
  registerSamplers();

  it('batches through the dataset and its pipeline; drop_last; collate functions', async () => {
    const { fs, cfg } = labelled(10);
    const pack = (r: DataInfo) => ({ inputs: { dtype: 'uint8', shape: [1, 2, 2], data: new Uint8Array(4).fill(label(r)) }, data_samples: { gt_label: [label(r)] } });
    const loader = await buildDataLoader(
      { batch_size: 4, num_workers: 2, dataset: { ...cfg, pipeline: [pack] } as never, sampler: { type: 'DefaultSampler', shuffle: true }, collate_fn: { type: 'default_collate' } },
      { seed: 0, ctx: { fileSystem: fs } },
    );
    expect(loader.length).toBe(3);
    const batches = [];
    for await (const b of loader) batches.push(b);
    expect(batches.map((b) => (b.inputs as { shape: number[] }).shape)).toEqual([[4, 1, 2, 2], [4, 1, 2, 2], [2, 1, 2, 2]]);
    const labels = batches.flatMap((b) => (b.data_samples as Array<{ gt_label: number[] }>).map((d) => d.gt_label[0]));
    expect(labels.sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const first = batches[0].inputs as { data: Uint8Array };
    expect(first.data[4]).toBe((batches[0].data_samples as Array<{ gt_label: number[] }>)[1].gt_label[0]);
    const dataset = loader.dataset;
    const dropLast = new DataLoader(dataset, new DefaultSampler({ shuffle: false }, { dataset }), { batch_size: 4, drop_last: true });
    let n = 0;
    for await (const b of dropLast) n += (b.data_samples as unknown[]).length;
    expect([dropLast.length, n]).toEqual([2, 8]);
    expect(() => new DataLoader(dataset, new DefaultSampler({}, { dataset, seed: 0 }), { collate_fn: 'stack' })).toThrow(/Unknown collate_fn 'stack'/);
  });

  it('pseudo_collate keeps lists; default_collate refuses mismatched shapes', () => {
    const a = { inputs: { dtype: 'uint8', shape: [3, 2, 2], data: new Uint8Array(12) }, meta: { k: 1 } };
    const b = { inputs: { dtype: 'uint8', shape: [3, 4, 2], data: new Uint8Array(24) }, meta: { k: 2 } };
    const p = pseudoCollate([a, b]);
    expect((p.inputs as unknown[]).length).toBe(2);
    expect(p.meta).toEqual({ k: [1, 2] });
    expect(() => defaultCollate([a, b])).toThrow(/cannot stack 'inputs': sample 1 is uint8 \(3, 4, 2\) but sample 0 is uint8 \(3, 2, 2\)/);
  });
});
