/** CSRAClsHead against hand-written loops over a small feature map (mean + λ·attention pooling per temperature). */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { buildClassifier } from '../builder';
import { readConfigFile, useBackend } from '../node';
import type { StateDictEntry } from '../nn/state_dict';
import { registerModels } from '../register_all';
import type { CSRAClsHead } from './multi_label_csra_head';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const [B, H, W, C, K] = [2, 2, 3, 3, 4];
// NHWC feature map, values from a fixed formula
const feat = Array.from({ length: B * H * W * C }, (_, i) => Math.sin(1.3 * i + 0.2) * 2);
const at = (b: number, h: number, w: number, c: number) => feat[((b * H + h) * W + w) * C + c];
const weightOf = (head: number) => Array.from({ length: K * C }, (_, i) => Math.cos(0.7 * i + head) * 0.5); // (K, C, 1, 1)

/** One CSRAModule by loops: s[k][p] = Σ_c w[k,c] x[p,c] / ‖w_k‖; mean_p s + λ·(T = 99 ? max_p s : Σ_p s·softmax_p(T·s)). */
function csraModule(b: number, w: number[], T: number, lam: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    let nrm = 0;
    for (let c = 0; c < C; c++) nrm += w[k * C + c] ** 2;
    nrm = Math.sqrt(nrm);
    const s: number[] = [];
    for (let h = 0; h < H; h++) {
      for (let x = 0; x < W; x++) {
        let v = 0;
        for (let c = 0; c < C; c++) v += w[k * C + c] * at(b, h, x, c);
        s.push(v / nrm);
      }
    }
    const base = s.reduce((a, v) => a + v, 0) / s.length;
    let att: number;
    if (T === 99) att = Math.max(...s);
    else {
      const m = Math.max(...s.map((v) => v * T));
      const e = s.map((v) => Math.exp(v * T - m));
      const z = e.reduce((a, v) => a + v, 0);
      att = s.reduce((a, v, i) => a + (v * e[i]) / z, 0);
    }
    out.push(base + lam * att);
  }
  return out;
}

function build(numHeads: number, lam: number, extra: Record<string, unknown> = {}): CSRAClsHead {
  const head = MODELS.build<CSRAClsHead>({ type: 'CSRAClsHead', num_classes: K, in_channels: C, num_heads: numHeads, lam, ...extra });
  const sd = new Map<string, StateDictEntry>(Array.from({ length: numHeads }, (_, i) => [`csra_heads.${i}.head.weight`, { dtype: 'float32', shape: [K, C, 1, 1], data: new Float32Array(weightOf(i)) }]));
  head.loadStateDict(sd);
  return head;
}

describe('CSRAClsHead', () => {
  it.each([
    [1, 0.1, [1]],
    [2, 0.3, [1, 99]],
    [4, 0.5, [1, 2, 4, 99]],
  ])('num_heads %d (λ %f): logits are the sum of each temperature head', (numHeads, lam, temps) => {
    const head = build(numHeads, lam);
    try {
      expect([...head.stateDictShapes().keys()]).toEqual(temps.map((_, i) => `csra_heads.${i}.head.weight`));
      const x = tf.tensor4d(feat, [B, H, W, C]);
      const y = head.call([x]);
      expect(y.shape).toEqual([B, K]);
      const got = y.arraySync() as number[][];
      for (let b = 0; b < B; b++) {
        const expected = new Array(K).fill(0);
        temps.forEach((T, i) => csraModule(b, weightOf(i), T, lam).forEach((v, k) => (expected[k] += v)));
        expected.forEach((e, k) => expect(got[b][k]).toBeCloseTo(e, 5));
      }
      tf.dispose([x, y]);
    } finally {
      head.dispose();
    }
  });

  it('multi-label loss (sigmoid BCE on the one-hot targets) and thresholded predictions', () => {
    const head = build(2, 0.2, { loss: { type: 'CrossEntropyLoss', use_sigmoid: true, loss_weight: 1.0 } });
    try {
      const x = tf.tensor4d(feat, [B, H, W, C]);
      const logits = [0, 1].map((b) => {
        const l = new Array(K).fill(0);
        [1, 99].forEach((T, i) => csraModule(b, weightOf(i), T, 0.2).forEach((v, k) => (l[k] += v)));
        return l;
      });
      const labels = [[0, 2], [3]];
      let bce = 0;
      logits.forEach((row, b) => row.forEach((v, k) => {
        const t = labels[b].includes(k) ? 1 : 0;
        const p = 1 / (1 + Math.exp(-v));
        bce -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
      }));
      const losses = head.loss([x], labels.map((l) => ({ gt_label: l })));
      // MultiLabelClsHead: avg_factor = batch size (the element sum over N)
      expect(losses.loss.dataSync()[0]).toBeCloseTo(bce / B, 5);
      const preds = head.predict([x]);
      preds.forEach((p, b) => {
        const sig = logits[b].map((v) => 1 / (1 + Math.exp(-v)));
        sig.forEach((s, k) => expect(p.pred_score![k]).toBeCloseTo(s, 5));
        expect(p.pred_label).toEqual(sig.flatMap((s, k) => (s >= 0.5 ? [k] : [])));
      });
      tf.dispose([x, ...Object.values(losses)]);
    } finally {
      head.dispose();
    }
  });

  it('configs/csra/resnet101-csra_1xb16_voc07-448px.py builds: ResNet-101 features + one 20×2048 1×1 conv', () => {
    // (the metafile's 23.55M is not this model's count: torchvision's ResNet-101 has 44,549,160 with its 1000-way fc)
    const m = buildClassifier(readConfigFile('configs/csra/resnet101-csra_1xb16_voc07-448px.py'), { seed: null });
    try {
      expect(m.numParameters()).toBe(44_549_160 - 2048 * 1000 - 1000 + 20 * 2048);
      expect([...m.stateDictShapes()].slice(-1)).toEqual([['head.csra_heads.0.head.weight', [20, 2048, 1, 1]]]);
    } finally {
      m.dispose();
    }
  });

  it('rejects unknown head counts, non-positive λ and unknown keys', () => {
    expect(() => MODELS.build({ type: 'CSRAClsHead', num_classes: 3, in_channels: 4, num_heads: 3, lam: 0.1 })).toThrow('The num of heads is not in temperature setting.');
    expect(() => MODELS.build({ type: 'CSRAClsHead', num_classes: 3, in_channels: 4, num_heads: 1, lam: 0 })).toThrow('Lambda should be between 0 and 1.');
    expect(() => MODELS.build({ type: 'CSRAClsHead', num_classes: 3, in_channels: 4, num_heads: 1, lam: 0.1, cal_acc: true })).toThrow(/unknown option 'cal_acc'/);
  });
});
