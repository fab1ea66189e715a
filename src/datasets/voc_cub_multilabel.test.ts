import { describe, expect, it } from 'vitest';
import { strToU8 } from 'fflate';
import { FileSystem, MemorySource } from '../fileio/sources';
import { VOC, parseVocObjects } from './voc';
import { CUB } from './cub';
import { MultiLabelDataset } from './multi_label';
import { ClassBalancedDataset } from './dataset_wrappers';

const mount = (files: Record<string, string>) => {
  const fs = new FileSystem(null);
  fs.mount('', new MemorySource(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
  return fs;
};

const vocObject = (name: string, difficult: number, parts = '') =>
  `<object><name>${name}</name><pose>Unspecified</pose><truncated>0</truncated><difficult>${difficult}</difficult>` +
  `<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox>${parts}</object>`;
const vocXml = (file: string, objects: string[]) =>
  `<annotation><folder>VOC2007</folder><filename>${file}.jpg</filename><!-- <object><name>dog</name></object> -->` +
  `<size><width>353</width><height>500</height><depth>3</depth></size><segmented>0</segmented>${objects.join('')}</annotation>`;

describe('VOC', () => {
  const files = {
    'VOC2007/ImageSets/Main/trainval.txt': '000005\n000007\n',
    'VOC2007/ImageSets/Main/test.txt': '000001\n',
    'VOC2007/Annotations/000005.xml': vocXml('000005', [vocObject('chair', 0), vocObject('chair', 1), vocObject('pottedplant', 1), vocObject('unicorn', 0)]),
    'VOC2007/Annotations/000007.xml': vocXml('000007', [vocObject('person', 0, '<part><name>head</name><bndbox/></part><part><name>hand</name></part>'), vocObject('car', 0)]),
  };

  it('labels and difficult labels from the XML annotations', async () => {
    const ds = new VOC({ data_root: 'VOC2007', split: 'trainval' }, { fileSystem: mount(files) });
    await ds.fullInit();
    expect(ds.length).toBe(2);
    const classes = ds.CLASSES!;
    expect(classes.length).toBe(20);
    const a = ds.getDataInfo(0);
    expect(a.img_path).toBe('VOC2007/JPEGImages/000005.jpg');
    expect(a.gt_label).toEqual([classes.indexOf('chair')]);
    expect(a.gt_label_difficult).toEqual([classes.indexOf('chair'), classes.indexOf('pottedplant')].sort((x, y) => x - y));
    expect(ds.getDataInfo(1).gt_label).toEqual([classes.indexOf('car'), classes.indexOf('person')].sort((x, y) => x - y));
    expect(ds.getCatIds(1)).toEqual(ds.getDataInfo(1).gt_label);
  });

  it('a missing annotation or a malformed XML is named', async () => {
    const fs = mount({ ...files, 'VOC2007/Annotations/000007.xml': '<html></html>' });
    await expect(new VOC({ data_root: 'VOC2007' }, { fileSystem: fs }).fullInit()).rejects.toThrow(/Annotations\/000007\.xml: not a VOC annotation/);
    await expect(new VOC({ data_root: 'VOC2007', split: 'test' }, { fileSystem: mount(files) }).fullInit()).rejects.toThrow(/annotation 'VOC2007\/Annotations\/000001\.xml' not found \(listed in VOC2007\/ImageSets\/Main\/test\.txt\)/);
    expect(() => parseVocObjects('<annotation><object><pose/></object></annotation>', 'x.xml')).toThrow(/x\.xml: <object> 1 has no <name>/);
    expect(() => new VOC({ data_root: 'VOC2007', split: 'trainval2' })).toThrow(/split must be one of/);
  });
});

describe('CUB', () => {
  const files = {
    'CUB/images.txt': '1 001.Black_footed_Albatross/a.jpg\n2 001.Black_footed_Albatross/b.jpg\n3 200.Common_Yellowthroat/c.jpg\n',
    'CUB/image_class_labels.txt': '1 1\n2 1\n3 200\n',
    'CUB/train_test_split.txt': '1 1\n2 0\n3 1\n',
  };

  it('train/test split and 0-based labels', async () => {
    const fs = mount(files);
    const train = new CUB({ data_root: 'CUB' }, { fileSystem: fs });
    const test = new CUB({ data_root: 'CUB', split: 'test' }, { fileSystem: fs });
    await Promise.all([train.fullInit(), test.fullInit()]);
    expect(train.length).toBe(2);
    expect(train.getDataInfo(1)).toMatchObject({ img_path: 'CUB/images/200.Common_Yellowthroat/c.jpg', gt_label: 199 });
    expect(test.length).toBe(1);
    expect(test.getDataInfo(0).gt_label).toBe(0);
    expect(train.CLASSES?.[0]).toBe('Black_footed_Albatross');
  });

  it('bad lines and mismatched ids are named', async () => {
    await expect(new CUB({ data_root: 'CUB' }, { fileSystem: mount({ ...files, 'CUB/image_class_labels.txt': '1 1\n2\n3 200\n' }) }).fullInit()).rejects.toThrow(/image_class_labels\.txt, line 2: expected 'id item'/);
    await expect(new CUB({ data_root: 'CUB' }, { fileSystem: mount({ ...files, 'CUB/train_test_split.txt': '1 1\n2 0\n' }) }).fullInit()).rejects.toThrow(/sample ids should be the same/);
    await expect(new CUB({ data_root: 'CUB' }, { fileSystem: mount({ ...files, 'CUB/image_class_labels.txt': '1 1\n2 1\n3 201\n' }) }).fullInit()).rejects.toThrow(/image id 3 has class 201, out of range/);
  });
});

describe('MultiLabelDataset', () => {
  it('reads an OpenMMLab 2.0 multi-label annotation; class-balanced oversampling uses all labels', async () => {
    const ann = {
      metainfo: { classes: ['cat', 'dog', 'bird'] },
      data_list: [{ img_path: 'a.jpg', gt_label: [0, 1] }, { img_path: 'b.jpg', gt_label: [0] }, { img_path: 'c.jpg', gt_label: [] }],
    };
    const fs = mount({ 'ml/ann.json': JSON.stringify(ann), 'ml/bad.json': JSON.stringify({ ...ann, data_list: [{ img_path: 'a.jpg', gt_label: [0, 3] }] }) });
    const ds = new MultiLabelDataset({ data_root: 'ml', ann_file: 'ann.json' }, { fileSystem: fs });
    await ds.fullInit();
    expect(ds.CLASSES).toEqual(['cat', 'dog', 'bird']);
    expect(ds.getCatIds(0)).toEqual([0, 1]);
    expect(ds.getCatIds(2)).toEqual([]);
    const cb = new ClassBalancedDataset({ dataset: ds, oversample_thr: 0.8 }, {});
    await cb.fullInit();
    expect(cb.repeatIndices).toEqual([0, 0, 1, 1, 2]);
    await expect(new MultiLabelDataset({ data_root: 'ml', ann_file: 'bad.json' }, { fileSystem: fs }).fullInit()).rejects.toThrow(/ml\/bad\.json, item 0: label 3 is out of range \(3 classes/);
  });
});
