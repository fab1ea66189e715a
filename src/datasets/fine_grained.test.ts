import { describe, expect, it } from 'vitest';
import { strToU8 } from 'fflate';
import { FileSystem, MemorySource } from '../fileio/sources';
import { Caltech101, FGVCAircraft, Food101, OxfordIIITPet, Places205, SUN397 } from './fine_grained';

const mount = (files: Record<string, string>) => {
  const fs = new FileSystem(null);
  fs.mount('', new MemorySource(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
  return fs;
};

describe('split-list datasets (lines in the formats of the official releases)', () => {
  it('Food101, Caltech101, OxfordIIITPet, FGVCAircraft, SUN397', async () => {
    const fs = mount({
      'food-101/meta/train.txt': 'apple_pie/1005649\nbaby_back_ribs/1007102\n',
      'caltech-101/meta/test.txt': 'Faces/image_0001.jpg 1\n',
      'pets/annotations/trainval.txt': 'Abyssinian_100 1 1 1\namerican_bulldog_100 2 2 1\n',
      'fgvc/data/images_variant_test.txt': '1514522 707-320\n0056978 737-200\n',
      'sun/Partitions/Testing_01.txt': '/a/abbey/sun_ajkqrqitspwywirx.jpg\n/a/apartment_building/outdoor/sun_aaxpzhdfvoqhgwbw.jpg\n',
    });
    const ctx = { fileSystem: fs };
    const food = new Food101({ data_root: 'food-101' }, ctx);
    const caltech = new Caltech101({ data_root: 'caltech-101', split: 'test' }, ctx);
    const pets = new OxfordIIITPet({ data_root: 'pets' }, ctx);
    const fgvc = new FGVCAircraft({ data_root: 'fgvc', split: 'test' }, ctx);
    const sun = new SUN397({ data_root: 'sun', split: 'test' }, ctx);
    await Promise.all([food, caltech, pets, fgvc, sun].map((d) => d.fullInit()));
    expect(food.getDataInfo(1)).toMatchObject({ img_path: 'food-101/images/baby_back_ribs/1007102.jpg', gt_label: 1 });
    expect(food.testMode).toBe(false);
    expect(caltech.getDataInfo(0)).toMatchObject({ img_path: 'caltech-101/101_ObjectCategories/Faces/image_0001.jpg', gt_label: 1 });
    expect(caltech.testMode).toBe(true);
    expect(pets.getGtLabels()).toEqual([0, 1]);
    expect(pets.getDataInfo(0).img_path).toBe('pets/images/Abyssinian_100.jpg');
    expect(fgvc.getGtLabels()).toEqual([0, 2]);
    expect(fgvc.getDataInfo(1).img_path).toBe('fgvc/data/images/0056978.jpg');
    expect(sun.getDataInfo(1)).toMatchObject({ img_path: 'sun/SUN397/a/apartment_building/outdoor/sun_aaxpzhdfvoqhgwbw.jpg', gt_label: sun.CLASSES!.indexOf('apartment_building_outdoor') });
  });

  it('bad lines, unknown classes and keys are named', async () => {
    const fs = mount({ 'food/meta/train.txt': 'apple_pie/1\nnot_a_food/2\n', 'pets/annotations/test.txt': 'Abyssinian_1 1 1\n' });
    await expect(new Food101({ data_root: 'food' }, { fileSystem: fs }).fullInit()).rejects.toThrow(/food\/meta\/train\.txt, line 2: unknown class 'not_a_food'/);
    await expect(new OxfordIIITPet({ data_root: 'pets', split: 'test' }, { fileSystem: fs }).fullInit()).rejects.toThrow(/annotations\/test\.txt, line 1: expected 4 fields/);
    expect(() => new Food101({ data_root: 'food', test_mode: true } as never)).toThrow(/unknown option 'test_mode'/);
    expect(() => new FGVCAircraft({ data_root: 'x', split: 'all' })).toThrow(/split must be one of 'train', 'val', 'trainval', 'test'/);
    const places = new Places205({ data_prefix: 'p', ann_file: 'p.txt' }, { fileSystem: mount({ 'p.txt': 'x.jpg 204\n' }) });
    await places.fullInit();
    expect(places.CLASSES?.length).toBe(205);
  });
});
