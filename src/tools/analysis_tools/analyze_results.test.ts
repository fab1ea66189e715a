import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../testing/shared';
import { registerAll } from '../../engine/setup_env';
import { MNIST } from '../../datasets/mnist';
import { Generator } from '../../utils/random';
import { FileSystem } from '../../fileio/sources';
import { main } from '../../cli/main';
import { confusionAnalysis, drawResult, isSuccess, normalizeRows, parseResults, predictionText, selectResults } from './analyze_results';

const mnistDir = sharedPath('data/mnist');
const N = 600;

/** Scores for the first N real MNIST test labels: right for ~80 %, else a seeded wrong class; seeded confidences. */
function fakePredictions(labels: Uint8Array): Record<string, unknown>[] {
  const rng = new Generator(7);
  return Array.from({ length: N }, (_, i) => {
    const gt = labels[8 + i];
    const pred = rng.random() < 0.8 ? gt : (gt + 1 + Math.floor(rng.random() * 9)) % 10;
    const top = 0.3 + 0.7 * rng.random();
    const score = new Array(10).fill((1 - top) / 9);
    score[pred] = top;
    // half the samples carry their index in metainfo, as PackInputs' data_samples do
    return i % 2 ? { pred_score: score, pred_label: [pred], gt_label: [gt], sample_idx: i } : { pred_score: score, gt_label: [gt], metainfo: { sample_idx: i } };
  });
}

describe('analyze_results on real MNIST test labels and images', () => {
  it.skipIf(missingShared(mnistDir))('selection, per-class top-k, confusion cells and drawn images', async () => {
    const labels = new Uint8Array(gunzipSync(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte.gz'))));
    const images = new Uint8Array(gunzipSync(readFileSync(join(mnistDir, 't10k-images-idx3-ubyte.gz'))));
    const samples = parseResults(fakePredictions(labels), 'fake.json');
    expect(samples.map((s) => s.sample_idx)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(samples[0].pred_label).toEqual([samples[0].pred_score.indexOf(Math.max(...samples[0].pred_score))]);

    const { success, fail } = selectResults(samples, { topk: 5 });
    expect(success).toHaveLength(5);
    expect(success.every(isSuccess) && fail.every((s) => !isSuccess(s))).toBe(true);
    const bestOk = samples.filter(isSuccess).map((s) => s.confidence).sort((a, b) => b - a);
    expect(success.map((s) => s.confidence)).toEqual(bestOk.slice(0, 5));
    const least = selectResults(samples, { topk: 3, order: 'least' });
    expect(least.fail.map((s) => s.confidence)).toEqual(samples.filter((s) => !isSuccess(s)).map((s) => s.confidence).sort((a, b) => a - b).slice(0, 3));
    const perClass = selectResults(samples, { topk: 2, perClass: true });
    for (let c = 0; c < 10; c++) {
      const mine = perClass.success.filter((s) => s.gt_label[0] === c);
      expect(mine.map((s) => s.confidence)).toEqual(samples.filter((s) => isSuccess(s) && s.gt_label[0] === c).map((s) => s.confidence).sort((a, b) => b - a).slice(0, 2));
    }

    const cm = confusionAnalysis(samples, 10);
    let correct = 0;
    for (let t = 0; t < 10; t++) {
      for (let p = 0; p < 10; p++) {
        const direct = samples.filter((s) => s.gt_label[0] === t && s.pred_label[0] === p);
        expect(cm.counts[t][p]).toBe(direct.length);
        expect(cm.cells[t][p].map((i) => samples[i].sample_idx).sort((a, b) => a - b)).toEqual(direct.map((s) => s.sample_idx));
      }
      correct += cm.counts[t][t];
    }
    expect(correct).toBe(samples.filter(isSuccess).length);
    const norm = normalizeRows(cm.counts);
    for (const row of norm) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);

    registerAll();
    const dataset = new MNIST({ data_root: mnistDir, test_mode: true }, { fileSystem: new FileSystem() });
    await dataset.fullInit();
    const s = fail[0];
    expect(predictionText(s, dataset.CLASSES)).toBe(`Prediction: ${s.pred_label[0]}, ${s.confidence.toFixed(2)} (${dataset.CLASSES![s.pred_label[0]]})`);
    const { frame, name } = await drawResult({ dataset, fileSystem: new FileSystem() }, s, 2);
    expect(name).toBe(String(s.sample_idx));
    const top = 8 + 2 * 14 + 8;
    expect(frame.height).toBe(top + 56 + 8);
    expect(frame.width).toBeGreaterThanOrEqual(56 + 16);
    const raw = images.subarray(16 + s.sample_idx * 784, 16 + (s.sample_idx + 1) * 784);
    const unscaled = await drawResult({ dataset, fileSystem: new FileSystem() }, s);
    for (const [y, x] of [[0, 0], [14, 14], [20, 9]]) expect(unscaled.frame.data[((top + y) * unscaled.frame.width + 8 + x) * 4]).toBe(raw[y * 28 + x]);
  });

  it('rejects malformed results clearly', () => {
    expect(() => parseResults([], 'r.json')).toThrow(/r.json: expected a non-empty JSON list/);
    expect(() => parseResults([{ gt_label: 1 }], 'r.json')).toThrow(/sample 0: 'pred_score'/);
    expect(() => parseResults([{ pred_score: [0.1, 0.9] }], 'r.json')).toThrow(/'gt_label' is missing/);
    expect(() => parseResults([{ pred_score: [0.1, 0.9], gt_label: 'cat' }], 'r.json')).toThrow(/'gt_label' must be a label/);
  });
});

describe('analyze-results CLI', () => {
  it.skipIf(missingShared(mnistDir))('writes success/ and fail/ PNGs + JSON and the confusion matrix', async () => {
    const labels = new Uint8Array(gunzipSync(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte.gz'))));
    const dir = mkdtempSync(join(tmpdir(), 'analyze-'));
    writeFileSync(join(dir, 'results.json'), JSON.stringify(fakePredictions(labels)));
    writeFileSync(join(dir, 'cfg.py'), `test_dataloader = dict(batch_size=8, dataset=dict(type='MNIST', data_root='${mnistDir}', test_mode=True, pipeline=[dict(type='PackInputs')]))\n`);
    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
    expect(await main(['analyze-results', join(dir, 'cfg.py'), join(dir, 'results.json'), '--out-dir', join(dir, 'out'), '--topk', '4'], io)).toBe(0);
    const samples = parseResults(fakePredictions(labels));
    const want = selectResults(samples, { topk: 4 });
    expect(readdirSync(join(dir, 'out/success')).sort()).toEqual([...want.success.map((s) => `${s.sample_idx}.png`), 'success.json'].sort());
    expect(readdirSync(join(dir, 'out/fail'))).toHaveLength(5);
    const dumped = JSON.parse(readFileSync(join(dir, 'out/fail/fail.json'), 'utf8'));
    expect(dumped.map((d: { sample_idx: number }) => d.sample_idx)).toEqual(want.fail.map((s) => s.sample_idx));
    const png = decode(readFileSync(join(dir, `out/fail/${want.fail[0].sample_idx}.png`)));
    expect(png.height).toBe(8 + 2 * 14 + 8 + 28 + 8);
    const cm = JSON.parse(readFileSync(join(dir, 'out/confusion_matrix.json'), 'utf8'));
    expect(cm.counts.flat().reduce((a: number, b: number) => a + b, 0)).toBe(N);
    expect(cm.classes[7]).toBe('7 - seven');
    expect(out.join('\n')).toMatch(new RegExp(`${N} samples, \\d+ correct`));
  });
});

describe('analyze-results on the real predictions of test (runner checkpoint, cat/dog PNGs)', () => {
  const dataTar = sharedPath('reference/runner_run/data.tar.gz');
  const configPy = sharedPath('reference/runner_run/config.py');
  const ckpt = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');

  it.skipIf(![dataTar, configPy, ckpt].every(existsSync))('test --out results.json, then analyze-results draws every val image with its prediction', async () => {
    const { parseTarGzip } = await import('nanotar');
    const { mkdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'analyze-real-'));
    for (const item of await parseTarGzip(new Uint8Array(readFileSync(dataTar)))) {
      if (!item.data || item.name.endsWith('/')) continue;
      mkdirSync(dirname(join(dir, item.name)), { recursive: true });
      writeFileSync(join(dir, item.name), item.data);
    }
    const cfg = join(dir, 'cfg.py');
    writeFileSync(cfg, readFileSync(configPy, 'utf8').replace(/data_root='data'/g, `data_root='${dir}/data'`) + 'test_dataloader = val_dataloader\ntest_evaluator = val_evaluator\ntest_cfg = dict()\n');
    const lines: string[] = [];
    const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t) };
    expect(await main(['test', cfg, ckpt, '--out', join(dir, 'results.json'), '--work-dir', join(dir, 'work')], io)).toBe(0);
    const samples = parseResults(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')));
    expect(samples).toHaveLength(16);
    expect(samples.every((s) => s.img_path?.includes('/val/'))).toBe(true);

    expect(await main(['analyze-results', cfg, join(dir, 'results.json'), '--out-dir', join(dir, 'out'), '--topk', '5'], io)).toBe(0);
    const picked = selectResults(samples, { topk: 5 });
    const success = JSON.parse(readFileSync(join(dir, 'out/success/success.json'), 'utf8')) as { sample_idx: number; metainfo?: unknown }[];
    expect(success.map((s) => s.sample_idx)).toEqual(picked.success.map((s) => s.sample_idx));
    expect(readdirSync(join(dir, 'out/fail'))).toEqual(['fail.json'].concat(picked.fail.map((s) => `${s.img_path!.split('/').pop()!.replace('.png', '')}.png`)).sort());
    // the drawn image is the PNG file (decoded BGR, shown as RGB) under the two caption lines
    const best = picked.success[0];
    const file = readdirSync(join(dir, 'out/success')).find((f) => f.startsWith(best.img_path!.split('/').pop()!.replace('.png', '')))!;
    const drawnPng = decode(readFileSync(join(dir, 'out/success', file)));
    const source = decode(readFileSync(best.img_path!));
    const top = 8 + 2 * 14 + 8;
    for (const [y, x] of [[0, 0], [16, 20], [31, 31]]) {
      const k = ((top + y) * drawnPng.width + 8 + x) * 4;
      const s = (y * source.width + x) * source.channels;
      expect([drawnPng.data[k], drawnPng.data[k + 1], drawnPng.data[k + 2]]).toEqual([source.data[s], source.data[s + 1], source.data[s + 2]]);
    }
  });
});
