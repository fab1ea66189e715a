import { describe, expect, it } from 'vitest';
import { listIndexedModels, MODEL_INDEX, modelInfo } from '../../../apis/model_hub';
import { facets, filterRows, formatCount, hashPrefixOf, matchesQuery, NO_FILTERS, sortRows, weightsFileName, zooRow, type ZooRow } from './zooFilter';

const ROWS: ZooRow[] = MODEL_INDEX.map(zooRow);

describe('Model Zoo search and filters on the bundled index', () => {
  it('a wildcard query lists exactly what listIndexedModels (list_models) names', () => {
    for (const pattern of ['*convnext*', 'resnet50*', 'vit-*', '*_in1k', 'deit-?mall*', '[rs]e*', 'RESNET18']) {
      const q = pattern === 'RESNET18' ? 'RESNET18*' : pattern;
      const got = sortRows(filterRows(ROWS, { ...NO_FILTERS, query: q }), 'name', true).map((r) => r.name);
      expect(got, pattern).toEqual(listIndexedModels(pattern));
      expect(got.length, pattern).toBeGreaterThan(0);
    }
  });

  it('plain text is a case-insensitive substring; empty matches all 548', () => {
    expect(filterRows(ROWS, NO_FILTERS)).toHaveLength(MODEL_INDEX.length);
    expect(MODEL_INDEX.length).toBe(548);
    const sub = filterRows(ROWS, { ...NO_FILTERS, query: 'ConvNeXt' }).map((r) => r.name);
    expect(sub).toEqual(MODEL_INDEX.filter((m) => m.name.toLowerCase().includes('convnext')).map((m) => m.name));
    // substring also finds names that do not start with it (list_models('convnext') would not)
    expect(sub.length).toBeGreaterThan(listIndexedModels('convnext').length);
    expect(matchesQuery('resnet50_8xb32_in1k', ' 8xb32 ')).toBe(true);
  });

  it('task filter equals list_models(task=...)', () => {
    for (const task of facets(ROWS).tasks) {
      const got = filterRows(ROWS, { ...NO_FILTERS, task }).map((r) => r.name).sort();
      expect(got, task).toEqual([...listIndexedModels(null, { task })].sort());
    }
    expect(facets(ROWS).tasks).toContain('Image Classification');
  });

  it('collection, training data, dataset, params / FLOPs ranges and top-1 ≥ select by the metafile values', () => {
    const resnet = filterRows(ROWS, { ...NO_FILTERS, collection: 'ResNet' });
    expect(resnet.map((r) => r.name)).toContain('resnet50_8xb32_in1k');
    expect(resnet.every((r) => r.info.collection === 'ResNet')).toBe(true);
    expect(resnet.length).toBe(MODEL_INDEX.filter((m) => m.collection === 'ResNet').length);

    const in21k = filterRows(ROWS, { ...NO_FILTERS, trainingData: 'ImageNet-21k' });
    expect(in21k.length).toBeGreaterThan(0);
    expect(in21k.every((r) => r.trainingData.includes('ImageNet-21k'))).toBe(true);

    const cifar = filterRows(ROWS, { ...NO_FILTERS, dataset: 'CIFAR-10' }).map((r) => r.name);
    expect(cifar).toContain('resnet18_8xb16_cifar10');

    const small = filterRows(ROWS, { ...NO_FILTERS, paramsMinM: 3, paramsMaxM: 6, flopsMaxG: 0.5 });
    expect(small.map((r) => r.name)).toContain('mobilenet-v2_8xb32_in1k'); // 3.5M params, 0.319 GFLOPs
    expect(small.every((r) => r.params! >= 3e6 && r.params! <= 6e6 && r.flops! <= 0.5e9)).toBe(true);
    // a bounded range leaves out models whose metafile gives no FLOPs
    const noFlops = ROWS.filter((r) => r.flops === null).length;
    expect(noFlops).toBeGreaterThan(0);
    expect(filterRows(ROWS, { ...NO_FILTERS, flopsMinG: 0 }).length).toBe(ROWS.length - noFlops);

    const good = filterRows(ROWS, { ...NO_FILTERS, top1Min: 85 });
    expect(good.length).toBeGreaterThan(0);
    expect(good.every((r) => r.top1! >= 85)).toBe(true);
    expect(good.length).toBe(ROWS.filter((r) => (r.info.results.find((x) => typeof x.metrics['Top 1 Accuracy'] === 'number')?.metrics['Top 1 Accuracy'] ?? -1) >= 85).length);
  });

  it('rows carry the metafile numbers; sort by each column, missing values last, ties by name', () => {
    const r = zooRow(modelInfo('resnet50_8xb32_in1k'));
    expect(r).toMatchObject({ params: 25560000, flops: 4120000000, top1: 76.55, top5: 93.06, dataset: 'ImageNet-1k', trainingData: ['ImageNet-1k'] });
    expect(formatCount(r.params)).toBe('25.56M');
    expect(formatCount(r.flops)).toBe('4.12G');

    for (const key of ['params', 'flops', 'top1', 'top5'] as const) {
      for (const asc of [true, false]) {
        const sorted = sortRows(ROWS, key, asc);
        const vals = sorted.map((x) => x[key]);
        const known = vals.filter((v): v is number => v !== null);
        expect(vals.slice(0, known.length).every((v) => v !== null), key).toBe(true); // nulls last
        expect(known, `${key} ${asc}`).toEqual([...known].sort((a, b) => (asc ? a - b : b - a)));
      }
    }
    const desc = sortRows(ROWS, 'name', false).map((x) => x.name);
    expect(desc).toEqual([...listIndexedModels()].reverse());
    const byDataset = sortRows(ROWS, 'dataset', true).map((x) => x.dataset).filter((d) => d !== null);
    expect(byDataset).toEqual([...byDataset].sort((a, b) => a!.localeCompare(b!)));
  });

  it('weights file name and its sha256 prefix as torch.hub reads them', () => {
    const url = modelInfo('resnet50_8xb32_in1k').weights!;
    expect(weightsFileName(url)).toBe('resnet50_8xb32_in1k_20210831-ea4938fc.pth');
    expect(hashPrefixOf(weightsFileName(url))).toBe('ea4938fc');
    expect(hashPrefixOf('lenet5.pth')).toBeNull();
    const named = MODEL_INDEX.filter((m) => m.weights && hashPrefixOf(weightsFileName(m.weights)));
    expect(named.length).toBeGreaterThan(500);
  });
});
