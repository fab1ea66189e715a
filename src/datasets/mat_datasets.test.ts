import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FileSystem, MemorySource } from '../fileio/sources';
import { loadMat } from './utils/matlab';
import { DTD, Flowers102, StanfordCars } from './mat_datasets';

// Fixtures written by scipy.io.savemat (testdata/make_mat_fixtures.py), compressed and not, in the releases' layouts.
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

describe('MATLAB level-5 reader (mat4py semantics)', () => {
  it('numeric vectors, struct with cells, struct arrays, compressed and plain', () => {
    expect(loadMat(fixture('flowers102_imagelabels.mat'), 'imagelabels.mat')).toEqual({ labels: [77, 77, 3, 1, 102, 5, 5, 2] });
    expect(loadMat(fixture('flowers102_setid.mat'), 'setid.mat')).toEqual({ trnid: [1, 4], valid: [2, 8], tstid: [3, 5, 6, 7] });
    const dtd = loadMat(fixture('dtd_imdb.mat'), 'imdb.mat') as { images: Record<string, unknown>; meta: Record<string, unknown> };
    expect(dtd.images.name).toEqual(['banded/banded_0002.jpg', 'banded/banded_0004.jpg', 'blotchy/blotchy_0003.jpg', 'zigzagged/zigzagged_0133.jpg', 'blotchy/blotchy_0010.jpg']);
    expect(dtd.images.set).toEqual([1, 2, 3, 1, 3]);
    expect(dtd.meta.classes).toEqual(['banded', 'blotchy']);
    const cars = loadMat(fixture('cars_annos.mat'), 'cars_annos.mat') as { annotations: Record<string, unknown>; class_names: unknown };
    expect(cars.annotations).toEqual({ relative_im_path: ['car_ims/000001.jpg', 'car_ims/000002.jpg', 'car_ims/000003.jpg'], bbox_x1: [39, 40, 41], class: [1, 196, 14], test: [0, 1, 0] });
    expect(cars.class_names).toEqual(['AM General Hummer SUV 2000', 'smart fortwo Convertible 2012']);
  });

  it('names the file when it is not a level-5 file or is cut short', () => {
    expect(() => loadMat(new Uint8Array(50), 'x.mat')).toThrow(/x\.mat: 50 bytes is too short/);
    expect(() => loadMat(new TextEncoder().encode('hello'.repeat(40)), 'y.mat')).toThrow(/y\.mat: not a MATLAB level-5 file/);
    const cut = fixture('cars_annos.mat').subarray(0, 600);
    expect(() => loadMat(cut, 'cars_annos.mat')).toThrow(/cars_annos\.mat: .*runs past the end|truncated/);
  });
});

describe('Flowers102, DTD, StanfordCars', () => {
  const fs = new FileSystem(null);
  fs.mount('', new MemorySource({
    'flowers/imagelabels.mat': fixture('flowers102_imagelabels.mat'),
    'flowers/setid.mat': fixture('flowers102_setid.mat'),
    'dtd/imdb/imdb.mat': fixture('dtd_imdb.mat'),
    'cars/cars_annos.mat': fixture('cars_annos.mat'),
  }));
  const ctx = { fileSystem: fs };

  it('Flowers102 splits and 0-based labels', async () => {
    const trainval = new Flowers102({ data_root: 'flowers' }, ctx);
    const test = new Flowers102({ data_root: 'flowers', split: 'test' }, ctx);
    await Promise.all([trainval.fullInit(), test.fullInit()]);
    expect(trainval.length).toBe(4);
    expect(trainval.getDataInfo(0)).toMatchObject({ img_path: 'flowers/jpg/image_00001.jpg', gt_label: 76 });
    expect(trainval.getGtLabels()).toEqual([76, 0, 76, 1]);
    expect(test.testMode).toBe(true);
    expect(test.getGtLabels()).toEqual([2, 101, 4, 4]);
  });

  it('DTD sets and StanfordCars train/test from cars_annos.mat', async () => {
    const dtd = new DTD({ data_root: 'dtd', split: 'test' }, ctx);
    const cars = new StanfordCars({ data_root: 'cars' }, ctx);
    const carsTest = new StanfordCars({ data_root: 'cars', split: 'test' }, ctx);
    await Promise.all([dtd.fullInit(), cars.fullInit(), carsTest.fullInit()]);
    expect(dtd.getDataInfo(1)).toMatchObject({ img_path: 'dtd/images/blotchy/blotchy_0010.jpg', gt_label: 1 });
    expect(dtd.CLASSES?.length).toBe(47);
    expect(cars.getGtLabels()).toEqual([0, 13]);
    expect(cars.getDataInfo(1).img_path).toBe('cars/car_ims/000003.jpg');
    expect(carsTest.getGtLabels()).toEqual([195]);
    await expect(new StanfordCars({ data_root: 'nowhere' }, ctx).fullInit()).rejects.toThrow(/neither 'nowhere\/cars_annos\.mat' nor 'nowhere\/devkit\/cars_train_annos\.mat' found/);
  });
});
