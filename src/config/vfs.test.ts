import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { basenamePath, dirnamePath, joinPath, listConfigFiles, MemoryFS, normalizePath } from './index';
import { NodeFS } from './node_fs';

describe('virtual file systems', () => {
  it('normalises paths like posixpath', () => {
    expect(normalizePath('configs/resnet/../_base_/./models/r.py')).toBe('configs/_base_/models/r.py');
    expect(normalizePath('../a/b')).toBe('../a/b');
    expect(normalizePath('/x/../../y')).toBe('/y');
    expect(joinPath('configs/resnet', '../_base_/d.py')).toBe('configs/_base_/d.py');
    expect(joinPath('configs/resnet', '/abs/d.py')).toBe('/abs/d.py');
    expect([dirnamePath('a/b/c.py'), dirnamePath('c.py'), basenamePath('a/b/c.py')]).toEqual(['a/b', '.', 'c.py']);
  });

  it('MemoryFS reads, checks, lists, replaces and removes files', () => {
    const fs = new MemoryFS({ 'configs/a.py': 'x = 1\n', './configs/_base_/b.py': 'y = 2\n' });
    expect(fs.exists('configs/./a.py')).toBe(true);
    expect(fs.read('configs/_base_/b.py')).toBe('y = 2\n');
    expect(() => fs.read('nope.py')).toThrow(/No such file: nope.py/);
    fs.write('configs/r/c.py', 'z = 3\n');
    expect(fs.list('configs')).toEqual(['configs/_base_/b.py', 'configs/a.py', 'configs/r/c.py']);
    expect(fs.remove('configs/a.py')).toBe(true);
    expect(fs.exists('configs/a.py')).toBe(false);
  });

  it('lists the shipped configs/ tree: complete configs first, then _base_ files', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
    const entries = listConfigFiles(new NodeFS(root));
    const complete = entries.filter((e) => !e.isBase).map((e) => e.relative);
    expect(complete).toEqual(expect.arrayContaining([
      'lenet/lenet5_mnist.py', 'lenet/lenet5_fashion-mnist.py', 'resnet/resnet18_8xb16_cifar10.py', 'resnet/resnet18_8xb16_cifar100.py',
      'resnet/resnet50_8xb32_in1k.py', 'resnet/resnet50_8xb32-coslr_in1k.py', 'mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
      'vision_transformer/vit-base-p16_64xb64_in1k.py',
    ]));
    expect(entries.findIndex((e) => e.isBase)).toBe(complete.length);
    expect(entries.find((e) => e.relative === '_base_/models/resnet50.py')).toMatchObject({ isBase: true, group: '_base_' });
  });
});
