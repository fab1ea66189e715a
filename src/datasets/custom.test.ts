import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { strToU8, zipSync } from 'fflate';
import { sharedPath, missingShared } from '../testing/shared';
import { FileSystem, MemorySource } from '../fileio/sources';
import { BaseDataset } from './base_dataset';
import { CustomDataset } from './custom';
import { ImageNet, ImageNet21k } from './imagenet';
import { Generator } from '../utils/random';
import type { DataInfo } from './types';

const images = sharedPath('data/images');
const haveImages = !missingShared(images);
const jpg = (name: string) => new Uint8Array(readFileSync(`${images}/${name}`));

/** A drop of a small ImageNet-style tree; images are real JPEGs, one is cut short. */
function imageTree(): FileSystem {
  const fs = new FileSystem(null);
  const bird = haveImages ? jpg('bird.JPEG') : strToU8('x');
  const dog = haveImages ? jpg('dog.jpg') : strToU8('x');
  fs.mount('data/imagenet', new MemorySource({
    'train/n01/a.JPEG': bird,
    'train/n01/sub/b.jpeg': dog,
    'train/n01/notes.txt': strToU8('not an image'),
    'train/n02/c.jpg': dog,
    'train/n02/broken.jpg': dog.subarray(0, 200),
    'train/n03/readme.md': strToU8('no images here'),
    'val/x1.JPEG': bird,
    'val/x2.JPEG': dog,
    'meta/val.txt': strToU8('x1.JPEG 1\nx2.JPEG 0\n'),
    'classes.txt': strToU8('bird\ndog\nnothing\n'),
  }, 'dropped imagenet'));
  return fs;
}

/** A loading step for the tests: reads the bytes through the dataset's file system and decodes the JPEG. */
const decodeStep = (fs: FileSystem) =>
  async function decode(results: DataInfo): Promise<DataInfo> {
    const img = jpeg.decode(await fs.get(results.img_path as string), { useTArray: true, formatAsRGBA: false });
    return { ...results, img_shape: [img.height, img.width] };
  };

describe('CustomDataset', () => {
  it('sub-folder format: classes are sorted folder names, images found recursively, extensions case-insensitive', async () => {
    const fs = imageTree();
    const ds = new CustomDataset({ data_root: 'data/imagenet', data_prefix: 'train' }, { fileSystem: fs });
    await ds.fullInit();
    expect(ds.CLASSES).toEqual(['n01', 'n02', 'n03']);
    expect(ds.length).toBe(4);
    expect(ds.getDataInfo(0)).toEqual({ img_path: 'data/imagenet/train/n01/a.JPEG', gt_label: 0, sample_idx: 0 });
    expect(ds.getDataInfo(1).img_path).toBe('data/imagenet/train/n01/sub/b.jpeg');
    expect(ds.getGtLabels()).toEqual([0, 0, 1, 1]);
    expect(ds.warnings.join()).toMatch(/no valid file in the folder n03/);
    expect(ds.folderToIdx).toEqual({ n01: 0, n02: 1, n03: 2 });
  });

  it('with_label=false lists every image recursively; extensions can be narrowed', async () => {
    const fs = imageTree();
    const ds = new CustomDataset({ data_prefix: 'data/imagenet/train', with_label: false, extensions: ['.JPG'] }, { fileSystem: fs });
    await ds.fullInit();
    expect(Array.from({ length: ds.length }, (_, i) => ds.getDataInfo(i).img_path)).toEqual(['data/imagenet/train/n02/broken.jpg', 'data/imagenet/train/n02/c.jpg']);
    expect(ds.getDataInfo(0).gt_label).toBeUndefined();
  });

  it('annotation format wins over folders; paths are relative to data_prefix', async () => {
    const ds = new CustomDataset({ data_root: 'data/imagenet', data_prefix: 'val', ann_file: 'meta/val.txt', classes: ['dog', 'bird'] }, { fileSystem: imageTree() });
    await ds.fullInit();
    expect(ds.length).toBe(2);
    expect(ds.getDataInfo(0)).toMatchObject({ img_path: 'data/imagenet/val/x1.JPEG', gt_label: 1 });
    expect(ds.CLASSES).toEqual(['dog', 'bird']);
    expect(ds.classToIdx).toEqual({ dog: 0, bird: 1 });
  });

  it('bad annotation lines, labels out of range, empty and missing folders, class count mismatch: clear messages', async () => {
    const fs = new FileSystem(null);
    fs.mount('', new MemorySource({
      'ann/bad.txt': strToU8('a.jpg 0\n\nb.jpg x\n'),
      'ann/range.txt': strToU8('a.jpg 0\nb.jpg 1\nc.jpg 2\n'),
      'empty/n01/readme.txt': strToU8('nothing'),
      'two/a/1.png': strToU8('x'),
      'two/b/2.png': strToU8('x'),
    }));
    const load = (cfg: object) => new CustomDataset(cfg, { fileSystem: fs }).fullInit();
    await expect(load({ ann_file: 'ann/bad.txt' })).rejects.toThrow(/ann\/bad\.txt, line 3: expected 'path label'.*'b\.jpg x'/);
    await expect(load({ ann_file: 'ann/range.txt', classes: ['a', 'b'] })).rejects.toThrow(/ann\/range\.txt, line 3: label 2 is out of range \(2 classes/);
    await expect(load({ data_prefix: 'empty' })).rejects.toThrow(/found 0 files in sub-folders of 'empty'. Supported extensions are: \.jpg/);
    await expect(load({ data_prefix: 'nowhere' })).rejects.toThrow(/data folder 'nowhere' not found/);
    await expect(load({ data_prefix: 'two', classes: ['a', 'b', 'c'] })).rejects.toThrow(/sub-folders of 'two' \(2: a, b\) doesn't match the number of specified classes \(3\)/);
    await expect(load({ ann_file: 'ann/missing.txt' })).rejects.toThrow(/annotation file 'ann\/missing\.txt' not found/);
    expect(() => new CustomDataset({ data_prefix: 'x', with_labels: false } as never)).toThrow(/unknown option 'with_labels' — did you mean 'with_label'/);
  });

  it('classes from a file; indices (first N, negative, list)', async () => {
    const fs = imageTree();
    const ds = new CustomDataset({ data_root: 'data/imagenet', data_prefix: 'train', classes: 'data/imagenet/classes.txt', indices: 2 }, { fileSystem: fs });
    await ds.fullInit();
    expect(ds.CLASSES).toEqual(['bird', 'dog', 'nothing']);
    expect(ds.length).toBe(2);
    const last = new CustomDataset({ data_root: 'data/imagenet', data_prefix: 'train', indices: -1 }, { fileSystem: fs });
    await last.fullInit();
    expect(last.getDataInfo(0).img_path).toBe('data/imagenet/train/n02/c.jpg');
    const picked = new CustomDataset({ data_root: 'data/imagenet', data_prefix: 'train', indices: [3, 0] }, { fileSystem: fs });
    await picked.fullInit();
    expect([picked.getDataInfo(0).gt_label, picked.getDataInfo(1).gt_label]).toEqual([1, 0]);
    expect(() => picked.getDataInfo(2)).toThrow(/index 2 out of range \(2 samples\)/);
    const { classHistogram } = await import('./analysis');
    expect(classHistogram(picked)).toEqual({ classes: ['n01', 'n02', 'n03'], counts: [1, 1, 0], unlabelled: 0, total: 2 });
    const sub = picked.getSubset([1]);
    expect(sub).toBeInstanceOf(CustomDataset);
    expect(sub.length).toBe(1);
  });

  it.skipIf(!haveImages)('a broken image is refetched in training (counted and reported) and throws in test mode', async () => {
    const fs = imageTree();
    const events: unknown[] = [];
    const cfg = { data_root: 'data/imagenet', data_prefix: 'train', pipeline: [decodeStep(fs)] };
    const train = new CustomDataset(cfg, { fileSystem: fs, rng: new Generator(3), onRefetch: (e) => events.push(e) });
    await train.fullInit();
    const brokenIdx = 2; // train/n02/broken.jpg (sorted)
    expect(train.getDataInfo(brokenIdx).img_path).toMatch(/broken/);
    const item = await train.getItem(brokenIdx);
    expect(item.img_path).not.toMatch(/broken/);
    expect(item.img_shape).toEqual(expect.arrayContaining([expect.any(Number)]));
    expect(train.refetches.length).toBeGreaterThanOrEqual(1);
    expect(train.refetches[0]).toMatchObject({ index: 2, img_path: 'data/imagenet/train/n02/broken.jpg' });
    expect(events.length).toBe(train.refetches.length);
    const test = new CustomDataset({ ...cfg, test_mode: true }, { fileSystem: fs });
    await expect(test.getItem(brokenIdx)).rejects.toThrow(/sample 2 \('data\/imagenet\/train\/n02\/broken\.jpg'\) failed/);
    const hopeless = new CustomDataset({ ...cfg, max_refetch: 3, pipeline: [() => null] }, { fileSystem: fs });
    await expect(hopeless.getItem(0)).rejects.toThrow(/cannot find a valid sample after 3 refetches/);
    expect(hopeless.refetches.length).toBe(4);
  });

  it('a pipeline naming an unknown transform fails at once, not as 1000 refetches', async () => {
    const ds = new CustomDataset({ data_root: 'data/imagenet', data_prefix: 'train', pipeline: [{ type: 'NoSuchTransform' }] }, { fileSystem: imageTree() });
    await expect(ds.getItem(0)).rejects.toThrow(/Unknown type 'NoSuchTransform' in registry 'transform'/);
    expect(ds.refetches.length).toBe(0);
  });
});

describe('ImageNet / ImageNet21k', () => {
  it('split picks the folder and meta/{split}.txt; test has no labels', async () => {
    const fs = imageTree();
    const val = new ImageNet({ data_root: 'data/imagenet', split: 'val' }, { fileSystem: fs });
    await val.fullInit();
    expect(val.annFile).toBe('data/imagenet/meta/val.txt');
    expect(val.length).toBe(2);
    expect(val.CLASSES?.length).toBe(1000);
    expect(val.getDataInfo(0)).toMatchObject({ img_path: 'data/imagenet/val/x1.JPEG', gt_label: 1 });
    const train = new ImageNet({ data_root: 'data/imagenet', split: 'train', classes: ['a', 'b', 'c'] }, { fileSystem: fs });
    await train.fullInit();
    expect(train.length).toBe(4);
    expect(() => new ImageNet({ data_root: 'x', split: 'valid' })).toThrow(/split must be one of 'train', 'val', 'test'/);
    expect(() => new ImageNet21k({ data_root: 'x', multi_label: true })).toThrow(/multi_label option is not supported/);
    const in21k = new ImageNet21k({ data_root: 'data/imagenet', split: 'train' }, { fileSystem: fs });
    await in21k.fullInit();
    expect(in21k.CLASSES).toEqual(['n01', 'n02', 'n03']);
  });

  it('reads a dropped zip of the tree', async () => {
    const fs = new FileSystem(null);
    fs.mount('drop', new MemorySource({ 'tiny.zip': zipSync({ 'tiny/train/cat/1.png': strToU8('p'), 'tiny/train/dog/2.PNG': strToU8('q') }) }));
    const ds = new ImageNet({ data_root: 'drop/tiny.zip/tiny', split: 'train', classes: ['cat', 'dog'] }, { fileSystem: fs });
    await ds.fullInit();
    expect(ds.getDataInfo(1)).toMatchObject({ img_path: 'drop/tiny.zip/tiny/train/dog/2.PNG', gt_label: 1 });
    expect(new TextDecoder().decode(await fs.get(ds.getDataInfo(1).img_path as string))).toBe('q');
  });
});

describe('BaseDataset with an OpenMMLab 2.0 annotation file', () => {
  const annotation = {
    metainfo: { categories: [{ id: 1, category_name: 'dog' }, { id: 0, category_name: 'cat' }], source: 'test' },
    data_list: [{ img_path: 'a.jpg', gt_label: 0 }, { img_path: 'b.jpg', gt_label: 1 }, { img_path: 'c.jpg', gt_label: 1 }],
  };
  const fsWith = (files: Record<string, string>) => {
    const fs = new FileSystem(null);
    fs.mount('', new MemorySource(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
    return fs;
  };

  it('a metainfo value naming a file is read as its lines (mmengine _load_metainfo)', async () => {
    const fs = fsWith({ 'd/ann.json': JSON.stringify(annotation), 'd/names.txt': 'kitten\npuppy\n' });
    const ds = new BaseDataset({ ann_file: 'd/ann.json', metainfo: { classes: 'd/names.txt' } }, { fileSystem: fs });
    await ds.fullInit();
    expect(ds.CLASSES).toEqual(['kitten', 'puppy']);
  });

  it('loads data_list, merges metainfo, turns categories into classes', async () => {
    const fs = fsWith({ 'd/ann.json': JSON.stringify(annotation) });
    const ds = new BaseDataset({ data_root: 'd', data_prefix: { img_path: 'imgs' }, ann_file: 'ann.json' }, { fileSystem: fs });
    await ds.fullInit();
    expect(ds.length).toBe(3);
    expect(ds.CLASSES).toEqual(['cat', 'dog']);
    expect(ds.metainfo.source).toBe('test');
    expect(ds.getDataInfo(-1)).toEqual({ img_path: 'd/imgs/c.jpg', gt_label: 1, sample_idx: 2 });
    expect(ds.getCatIds(1)).toEqual([1]);
    expect(String(ds)).toContain('Number of samples: \t3');
  });

  it('bad annotation files name the file and the item', async () => {
    const fs = fsWith({
      'nolist.json': JSON.stringify({ metainfo: {} }),
      'broken.json': '{"metainfo": {}, "data_list": [',
      'noprefix.json': JSON.stringify({ metainfo: {}, data_list: [{ img_path: 'a' }, { img: 'b' }] }),
    });
    const load = (f: string) => new BaseDataset({ ann_file: f }, { fileSystem: fs }).fullInit();
    await expect(load('nolist.json')).rejects.toThrow(/nolist\.json: annotation must have data_list and metainfo keys/);
    await expect(load('broken.json')).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(load('noprefix.json')).rejects.toThrow(/noprefix\.json: data_list\[1\] does not contain the prefix key 'img_path'/);
    expect(() => new BaseDataset({ ann_file: 'x', img_prefix: 'y' } as never)).toThrow(/unknown option 'img_prefix'/);
    expect(() => new BaseDataset({ ann_file: 'x' }).length).toThrow(/not initialised yet — await dataset.fullInit\(\)/);
  });
});
