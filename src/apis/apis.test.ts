import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backends/tf';
import { NodeFS } from '../config/node_fs';
import { FASHIONMNIST_CATEGORIES } from '../datasets/categories';
import { parseNpz, toFloat32 } from '../fileio';
import { useBackend } from '../models/node';
import { modelInputOf, prepareCamSample, testPipelineOf } from '../tools/visualization/vis_cam';
import { sharedPath, missingShared } from '../testing/shared';
import { classNamesFromText, DEFAULT_MODEL, RELEASED_WEIGHTS, fnmatch, getModel, setShippedConfigs, ImageClassificationInferencer, inferenceModel, initModel, listModels, topk, type InferenceModel } from '.';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const configsFS = new NodeFS(REPO);
setShippedConfigs(configsFS);
const models = sharedPath('reference/models');
const images = sharedPath('data/images');
const have = !missingShared(models) && !missingShared(images);
const read = (p: string) => new Uint8Array(readFileSync(p));
const cfgOf = (name: string) => JSON.parse(readFileSync(`${models}/${name}_cfg.json`, 'utf8')) as Record<string, unknown>;
const ckptOf = (name: string, ext = '.safetensors') => ({ data: read(`${models}/${name}${ext}`), name: `${name}${ext}` });
const image = (name: string) => ({ bytes: read(`${images}/${name}`), name });

/** softmax of each row of an (N, C) array. */
function softmaxRows(x: Float32Array, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / c; r++) {
    const row = x.subarray(r * c, (r + 1) * c);
    const m = Math.max(...row);
    let s = 0;
    for (let i = 0; i < c; i++) s += out[r * c + i] = Math.exp(row[i] - m);
    for (let i = 0; i < c; i++) out[r * c + i] /= s;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('listModels / getModel over the shipped configs', () => {
  it('fnmatch as Python (wildcards, sets, negated sets, literal dots)', () => {
    expect(fnmatch('resnet18_8xb16_cifar10', 'resnet*cifar10')).toBe(true);
    expect(fnmatch('resnet18_8xb16_cifar10', 'resnet?8*')).toBe(true);
    expect(fnmatch('resnet18_8xb16_cifar10', 'resnet[!1]*')).toBe(false);
    expect(fnmatch('resnet34_8xb16_cifar10', 'resnet[35]*')).toBe(true);
    expect(fnmatch('a.b', 'a.b')).toBe(true);
    expect(fnmatch('axb', 'a.b')).toBe(false);
  });

  it('class names from a classes.txt as list_from_file (CRLF, BOM, trailing blank lines), empty files named', () => {
    expect(classNamesFromText('\uFEFFcat\r\ndog\r\n\n', 'classes.txt')).toEqual(['cat', 'dog']);
    expect(() => classNamesFromText('\n\n', 'empty.txt')).toThrow('empty.txt: no class names');
  });

  it("lists MMPretrain's model index by name, with MMPretrain postfix matching, exclusions and tasks", () => {
    const all = listModels();
    expect(all.length).toBe(548);
    expect(all).toContain('resnet18_8xb16_cifar10');
    expect(all).toContain('vit-base-p16_in21k-pre_3rdparty_in1k-384px');
    expect(all.some((n) => n.includes('default_runtime') || n.startsWith('lenet5'))).toBe(false);
    const lower = all.map((n) => n.toLowerCase());
    expect(lower).toEqual([...lower].sort());
    expect(listModels('resnet18')).toEqual(['resnet18_8xb16_cifar10', 'resnet18_8xb32_in1k']);
    expect(listModels('*cifar10')).toEqual(all.filter((n) => /cifar10/.test(n)));
    expect(listModels('resnet', { exclude_patterns: ['*in1k'] }).some((n) => n.endsWith('in1k'))).toBe(false);
    expect(listModels('REPVGG-A0')).toEqual(listModels('repvgg-a0'));
    expect(listModels('*', { task: 'Image Classification' }).length).toBeLessThan(all.length);
    expect(listModels('mae', { task: 'null' }).every((n) => n.startsWith('mae'))).toBe(true);
  });

  it('getModel builds a shipped model by name (init_cfg weights without pretrained), unknown names suggest close ones', async () => {
    await useBackend('wasm');
    const m = await getModel('lenet5_mnist');
    expect(m.model.typeName).toBe('ImageClassifier');
    expect(m.loadReport).toBeNull();
    expect(m.dataset_meta.classes?.[3]).toBe('3 - three'); // MNIST METAINFO of the config's test dataset
    expect(m.classesSource).toBe('config');
    m.model.dispose();
    // A shipped ImageNet config: its test pipeline (ResizeEdge 256 → CenterCrop 224) gives the 224×224 input, ImageNet names.
    if (have) {
      const r = await getModel('resnet18_8xb32_in1k');
      const inf = new ImageClassificationInferencer(r);
      expect(inf.pipelineCfg.map((t) => (t as { type: string }).type)).toEqual(['LoadImageFromFile', 'ResizeEdge', 'CenterCrop', 'PackInputs']);
      const packed = await inf.preprocess(image('bird.JPEG'));
      expect(packed.shape).toEqual([3, 224, 224]);
      const [res] = inf.postprocess(await inf.forward([packed]));
      expect(res.pred_scores.length).toBe(1000);
      expect(res.pred_class).toBe(r.dataset_meta.classes![res.pred_label]);
      expect(r.classesNote).toBe("from the config's ImageNet");
      r.model.dispose();
    }
    await expect(getModel('resnet18_8xb16_cifar1')).rejects.toThrow(/no model named 'resnet18_8xb16_cifar1' — did you mean 'resnet18_8xb16_cifar10'/);
  });
});

describe.skipIf(!have)('inference on the reference models (WASM)', () => {
  let r18: InferenceModel;
  beforeAll(async () => {
    await useBackend('wasm');
    r18 = await initModel(cfgOf('resnet18_cifar_w16'), ckptOf('resnet18_cifar_w16'));
  });
  afterAll(() => r18?.model.dispose());

  it('loads with zero missing / unexpected keys; a bare model dict gets guessed CIFAR-10 names', () => {
    expect(r18.loadReport).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
    expect(r18.numClasses).toBe(10);
    expect(r18.classesSource).toBe('guessed');
    expect(r18.dataset_meta.classes?.[0]).toBe('airplane');
  });

  it("decoded images through the pipeline match MMPretrain's logits_from_uint8 (softmax) within 1e-4", async () => {
    for (const name of ['resnet18_cifar_w16', 'lenet5', 'resnet50_w8']) {
      const m = name === 'resnet18_cifar_w16' ? r18 : await initModel(cfgOf(name), ckptOf(name, name === 'lenet5' ? '.pth' : '.safetensors'));
      const k = m.numClasses!;
      expect(k).toBe(name === 'resnet50_w8' ? 1000 : 10); // LeNet-5: from the backbone under a plain ClsHead
      const io = parseNpz(read(`${models}/${name}_io.npz`));
      const raw = io['raw_uint8'];
      const [n, c, h, w] = raw.shape;
      const want = softmaxRows(toFloat32(io['logits_from_uint8']), k);
      const imgs = Array.from({ length: n }, (_, b) => {
        const data = new Uint8Array(h * w * c);
        for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) data[p * c + k] = (raw.data as Uint8Array)[((b * c + k) * h * w) + p];
        return { data, height: h, width: w, channels: c, name: `raw_uint8[${b}]` };
      });
      const got = await new ImageClassificationInferencer(m).call(imgs, { batch_size: 2 });
      const flat = new Float32Array(n * k);
      got.forEach((r, b) => flat.set(r.pred_scores, b * k));
      const err = maxAbsDiff(flat, want);
      // Scores near 1/C hide logit errors: compare log-scores too (= logits up to a per-row constant).
      let logErr = 0;
      for (let b = 0; b < n; b++) {
        const d = Array.from({ length: k }, (_, i) => Math.log(flat[b * k + i]) - Math.log(want[b * k + i]));
        const mean = d.reduce((x, y) => x + y, 0) / k;
        logErr = Math.max(logErr, ...d.map((v) => Math.abs(v - mean)));
      }
      console.log(`[parity] ${name}: image → pipeline → scores vs MMPretrain softmax(logits_from_uint8): max |Δscore| ${err.toExponential(2)}, max |Δlogit| ${logErr.toExponential(2)}`);
      expect(err).toBeLessThan(1e-4);
      expect(logErr).toBeLessThan(1e-4);
      got.forEach((r, b) => expect(r.pred_label).toBe(topk(want.subarray(b * k, (b + 1) * k), 1)[0].label));
      if (m !== r18) m.model.dispose();
    }
  });

  it('a real photo: inferenceModel equals the test pipeline + model.predict run directly; stable top-1', async () => {
    const img = image('demo.JPEG');
    const res = await inferenceModel(r18, img);
    // The direct path: vis_cam's pipeline runner, the data preprocessor, predict.
    const sample = await prepareCamSample(testPipelineOf(r18.cfg).pipeline, img.bytes, img.name);
    const x = modelInputOf(r18.model, sample.packed);
    const [direct] = r18.model.predict(x);
    x.dispose();
    expect(maxAbsDiff(res.pred_scores, direct.pred_score!)).toBe(0);
    expect(res.pred_label).toBe(direct.pred_label![0]);
    expect(res.pred_score).toBe(Math.max(...res.pred_scores));
    expect(res.pred_class).toBe(r18.dataset_meta.classes![res.pred_label]);
    let sum = 0;
    for (const s of res.pred_scores) sum += s;
    expect(sum).toBeCloseTo(1, 5);
    // A file path (Node reads it) gives the same result, named by the path.
    expect(maxAbsDiff((await inferenceModel(r18, `${images}/demo.JPEG`)).pred_scores, res.pred_scores)).toBe(0);
    // Same result from the .pth copy of the weights, and again (no hidden randomness).
    const pth = await initModel(cfgOf('resnet18_cifar_w16'), ckptOf('resnet18_cifar_w16', '.pth'));
    const again = await inferenceModel(pth, img);
    pth.model.dispose();
    expect(maxAbsDiff(again.pred_scores, res.pred_scores)).toBeLessThan(1e-6);
  });

  it('batches equal single images, in order; tensors do not leak', async () => {
    const imgs = ['demo.JPEG', 'bird.JPEG', 'dog.jpg', 'cat-dog.png'].map(image);
    const inf = new ImageClassificationInferencer(r18);
    const before = tf.memory().numTensors;
    const batched = await inf.call(imgs, { batch_size: 3 });
    const single: Awaited<ReturnType<typeof inf.call>> = [];
    for (const im of imgs) single.push(...(await inf.call(im)));
    expect(tf.memory().numTensors).toBe(before);
    expect(batched.map((r) => r.pred_label)).toEqual(single.map((r) => r.pred_label));
    batched.forEach((r, i) => expect(maxAbsDiff(r.pred_scores, single[i].pred_scores)).toBeLessThan(1e-5));
    expect(new Set(single.map((r) => r.pred_scores[0])).size).toBe(4);
  });

  it('class names from the checkpoint meta win (a real mmengine Runner checkpoint)', async () => {
    const p = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');
    if (!existsSync(p)) return;
    const cfg = cfgOf('resnet18_cifar_w16') as { head: { num_classes: number }; data_preprocessor: { num_classes: number } };
    cfg.head.num_classes = 2;
    cfg.data_preprocessor.num_classes = 2;
    const m = await initModel(cfg, { data: read(p), name: 'epoch_3.pth' });
    expect(m.dataset_meta.classes).toEqual(['cat', 'dog']);
    expect(m.classesSource).toBe('checkpoint');
    const r = await inferenceModel(m, image('cat-dog.png'));
    expect(['cat', 'dog']).toContain(r.pred_class);
    m.model.dispose();
  });

  it('bad input: 0-byte and non-image files, another architecture, a truncated checkpoint — each named', async () => {
    await expect(inferenceModel(r18, { bytes: new Uint8Array(0), name: 'empty.jpg' })).rejects.toThrow(/empty\.jpg: the file is empty \(0 bytes\)/);
    await expect(inferenceModel(r18, { bytes: read(`${models}/resnet18_cifar_w16_cfg.json`), name: 'notes.json' })).rejects.toThrow(/notes\.json/);
    await expect(initModel(cfgOf('resnet18_cifar_w16'), ckptOf('lenet5'))).rejects.toThrow(/lenet5\.safetensors: no weight fits this model .*another architecture/);
    const bytes = read(`${models}/resnet18_cifar_w16.pth`);
    await expect(initModel(cfgOf('resnet18_cifar_w16'), { data: bytes.subarray(0, bytes.length >> 1), name: 'cut.pth' })).rejects.toThrow(/cut\.pth/);
    // A pickle that would run os.system: refused, naming the file and the global; nothing executed.
    const evil = sharedPath('reference/checkpoints/malicious_os_system.pth');
    if (existsSync(evil)) {
      await expect(initModel(cfgOf('lenet5'), { data: read(evil), name: 'malicious_os_system.pth' })).rejects.toThrow(/malicious_os_system\.pth.*(posix|os)\.system/s);
      expect(existsSync('pwned_by_pickle.txt')).toBe(false);
    }
    // The model still works afterwards.
    expect((await inferenceModel(r18, image('dog.jpg'))).pred_scores.length).toBe(10);
  });
});

describe.skipIf(!have)('image sizes from headers (the huge-image guard)', () => {
  it('header sizes equal the decoded sizes of the real images; a huge PNG is refused before decoding, naming the file', async () => {
    const { imageSizeFromHeader } = await import('./image_size');
    const { imfrombytes } = await import('../image');
    for (const n of ['demo.JPEG', 'bird.JPEG', 'dog.jpg', 'cat-dog.png']) {
      const bytes = read(`${images}/${n}`);
      const img = imfrombytes(bytes, 'color', 'bgr', n);
      expect(imageSizeFromHeader(bytes), n).toEqual({ width: img.width, height: img.height });
    }
    const png = read(`${images}/cat-dog.png`).slice();
    const view = new DataView(png.buffer, png.byteOffset);
    view.setUint32(16, 40000);
    view.setUint32(20, 30000);
    const m = await initModel(cfgOf('lenet5'), ckptOf('lenet5'));
    await expect(inferenceModel(m, { bytes: png, name: 'huge.png' })).rejects.toThrow(/huge\.png: the image is 40000 × 30000 \(1200\.0 megapixels\), above the 89\.5 megapixels/);
    await expect(new ImageClassificationInferencer(m, { max_pixels: 1000 }).call({ bytes: read(`${images}/dog.jpg`), name: 'dog.jpg' })).rejects.toThrow(/dog\.jpg: the image is \d+ × \d+/);
    m.model.dispose();
  });
});

describe('the studio default model with its released weights, on real Fashion-MNIST test images', () => {
  const idx = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  const weights = resolve(REPO, 'public', RELEASED_WEIGHTS[DEFAULT_MODEL].path);
  it.skipIf(missingShared(idx) || missingShared(weights))('a config whose test pipeline has no LoadImageFromFile: files load as grayscale; most of 200 test images are right', async () => {
    const { gunzipSync } = await import('node:zlib');
    const { encode } = await import('fast-png');
    await useBackend('wasm');
    const m = await getModel(DEFAULT_MODEL, { pretrained: { data: read(weights), name: 'lenet5_fashion-mnist.pth' } });
    expect(m.loadReport).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
    expect(m.classesNote).toBe('from lenet5_fashion-mnist.pth meta');
    expect(m.dataset_meta.classes).toEqual([...FASHIONMNIST_CATEGORIES]);
    const inf = new ImageClassificationInferencer(m);
    expect(inf.pipelineCfg).toEqual([{ type: 'LoadImageFromFile', color_type: 'grayscale' }, { type: 'Resize', scale: 32 }, { type: 'PackInputs' }]);
    const images = gunzipSync(readFileSync(idx));
    const labels = gunzipSync(readFileSync(idx.replace('images-idx3', 'labels-idx1')));
    const n = 200;
    const arrays = Array.from({ length: n }, (_, i) => ({ data: new Uint8Array(images.subarray(16 + i * 784, 16 + (i + 1) * 784)), height: 28, width: 28, channels: 1, name: `t10k[${i}]` }));
    const res = await inf.call(arrays, { batch_size: 50 });
    const correct = res.filter((r, i) => r.pred_label === labels[8 + i]).length;
    console.log(`[default model] ${correct}/${n} of the first Fashion-MNIST test images right`);
    expect(correct / n).toBeGreaterThan(0.8);
    // The same image as a PNG file (decoded, grayscale) gives the same scores as the in-memory array.
    const png = encode({ width: 28, height: 28, data: arrays[0].data, channels: 1, depth: 8 });
    const fromFile = await inferenceModel(m, { bytes: png, name: 't10k_0.png' });
    expect(maxAbsDiff(fromFile.pred_scores, res[0].pred_scores)).toBe(0);
    expect(fromFile.pred_class).toBe(FASHIONMNIST_CATEGORIES[fromFile.pred_label]);
    m.model.dispose();
  });
});
