import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backends/tf';
import { parseNpz, toFloat32 } from '../fileio';
import { useBackend } from '../models/node';
import { parityError } from '../models/testing/parity_core';
import { sharedPath, missingShared } from '../testing/shared';
import { FeatureExtractor, type Feature } from './feature_extractor';
import { ImageClassificationInferencer } from './image_classification';
import { initModel } from './model';
import { REPO_ROOT, shippedConfigsFS } from './node';

const zoo = sharedPath('reference/zoo');
const images = sharedPath('data/images');
const read = (p: string) => new Uint8Array(readFileSync(p));

beforeAll(async () => {
  await useBackend('wasm');
});

describe.skipIf(missingShared(`${zoo}/ResNet_tiny_io.npz`))('FeatureExtractor against the ResNet zoo reference (MMPretrain 1.2, PyTorch)', () => {
  it("backbone / neck / pre_logits of a raw batch through the data preprocessor match extract_feat's outputs", async () => {
    const cfg = JSON.parse(readFileSync(`${zoo}/ResNet_tiny_model.json`, 'utf8')) as Record<string, unknown>;
    const io = parseNpz(read(`${zoo}/ResNet_tiny_io.npz`), 'ResNet_tiny_io.npz');
    const m = await initModel(cfg, { data: read(`${zoo}/ResNet_tiny.pth`), name: 'ResNet_tiny.pth' }, { strict: true });
    const fx = new FeatureExtractor(m);
    // the reference input x is after the data preprocessor (to_rgb, mean/std): undo it to give the raw BGR batch
    const pre = cfg.data_preprocessor as { mean: number[]; std: number[] };
    const raw = tf.tidy(() => {
      const x = tf.tensor(toFloat32(io.x), io.x.shape);
      const rgb = tf.add(tf.mul(x, tf.tensor(pre.std, [1, 3, 1, 1])), tf.tensor(pre.mean, [1, 3, 1, 1]));
      return tf.reverse(rgb, 1);
    });
    try {
      await fx.extract(raw, 'neck'); // warm-up
      const before = tf.memory().numTensors;
      const bb = await fx.extract(raw, 'backbone');
      const neck = await fx.extract(raw, 'neck');
      const pl = await fx.extract(raw, 'pre_logits');
      expect(tf.memory().numTensors).toBe(before);
      expect(bb).toHaveLength(2);
      const per = (feats: Feature[], i: number) => feats[i];
      const cat = (list: Feature[]) => Float32Array.from(list.flatMap((f) => Array.from(f.data)));
      expect((bb[0] as Feature[])[0].shape).toEqual([128, 2, 2]);
      const eBackbone = parityError(cat(bb.map((f) => per(f as Feature[], 0))), io.backbone_out_0);
      const eNeck = parityError(cat(neck.map((f) => per(f as Feature[], 0))), io.neck_out_0);
      const ePre = parityError(cat(pl as Feature[]), io.neck_out_0); // LinearClsHead.pre_logits: the last neck output
      console.log(`[FeatureExtractor] ResNet_tiny max rel. error: backbone ${eBackbone.toExponential(2)}, neck ${eNeck.toExponential(2)}, pre_logits ${ePre.toExponential(2)}`);
      expect(eBackbone).toBeLessThanOrEqual(1e-4);
      expect(eNeck).toBeLessThanOrEqual(1e-4);
      expect(ePre).toBeLessThanOrEqual(1e-4);
    } finally {
      raw.dispose();
      m.model.dispose();
    }
  });
});

describe.skipIf(missingShared(images))('FeatureExtractor on images (shipped LeNet-5 + its released weights)', () => {
  it('the backbone output (LeNet-5 classifies in its backbone) is the logits whose softmax the inferencer reports; batching gives the same; no tensor left', async () => {
    const m = await initModel('configs/lenet/lenet5_1xb32-sgd-coslr-3e_fashion-mnist.py', { data: read(join(REPO_ROOT, 'public/models/lenet5_fashion-mnist.pth')), name: 'lenet5_fashion-mnist.pth' }, { fs: shippedConfigsFS() });
    try {
      const imgs = ['dog.jpg', 'bird.JPEG', 'cat-dog.png'].map((n) => ({ bytes: read(`${images}/${n}`), name: n }));
      const fx = await FeatureExtractor.create(m);
      await fx.call(imgs[0]); // warm-up: kernels and the preprocessor's constants are made once
      const before = tf.memory().numTensors;
      const one = await fx.call(imgs, { stage: 'backbone' });
      const batched = await fx.call(imgs, { stage: 'backbone', batch_size: 3 });
      const neck = await fx.call(imgs);
      expect(tf.memory().numTensors).toBe(before);
      const scores = await new ImageClassificationInferencer(m).call(imgs);
      for (let i = 0; i < imgs.length; i++) {
        const [logits] = one[i] as Feature[];
        expect(logits.shape).toEqual([10]);
        const mx = Math.max(...logits.data);
        const ex = Array.from(logits.data, (v) => Math.exp(v - mx));
        const sum = ex.reduce((a, b) => a + b, 0);
        expect(parityError(Float32Array.from(ex, (v) => v / sum), scores[i].pred_scores)).toBeLessThan(1e-6);
        expect(parityError((batched[i] as Feature[])[0].data, logits.data)).toBeLessThan(1e-5);
        expect((neck[i] as Feature[])[0].data).toEqual(logits.data); // no neck: the neck stage gives the backbone's outputs
      }
      fx.dispose(); // not owned: the model stays usable
      await expect(fx.call(imgs[0], { stage: 'bogus' as 'neck' })).rejects.toThrow(/Invalid output stage "bogus"/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      m.model.dispose();
    }
  });
});
