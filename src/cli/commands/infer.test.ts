import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../testing/shared';
import { main } from '../main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const models = sharedPath('reference/models');
const images = sharedPath('data/images');
const cfg = `${models}/resnet18_cifar_w16_cfg.json`;
const ckpt = `${models}/resnet18_cifar_w16.safetensors`;

describe.skipIf(missingShared(models) || missingShared(images))('mmpretrain-web infer', () => {
  it('--json: per image the top-k (sorted, named) agreeing with pred_label / pred_scores; text output the same classes', async () => {
    const c = capture();
    const imgs = [`${images}/demo.JPEG`, `${images}/cat-dog.png`];
    expect(await main(['infer', cfg, ckpt, ...imgs, '--topk', '3', '--json', '--batch-size', '2'], c.io)).toBe(0);
    const res = JSON.parse(c.out.join('\n')) as { backend: string; results: { image: string; pred_label: number; pred_score: number; pred_class: string; topk: { label: number; score: number; class: string }[]; pred_scores: number[] }[] };
    expect(res.backend).toBe('wasm');
    expect(res.results.map((r) => r.image)).toEqual(imgs);
    for (const r of res.results) {
      expect(r.topk).toHaveLength(3);
      expect(r.topk[0].label).toBe(r.pred_label);
      expect(r.topk[0].score).toBe(r.pred_score);
      expect(r.topk[0].score).toBeGreaterThanOrEqual(r.topk[1].score);
      expect(r.topk[1].score).toBeGreaterThanOrEqual(r.topk[2].score);
      expect(r.pred_scores).toHaveLength(10);
      expect(Math.max(...r.pred_scores)).toBe(r.pred_score);
    }
    const t = capture();
    expect(await main(['infer', cfg, ckpt, imgs[0], '--topk', '2'], t.io)).toBe(0);
    const first = res.results[0];
    expect(t.out[0]).toContain(`1. ${first.pred_score.toFixed(4)}  ${first.pred_label}  ${first.pred_class}`);
  });

  it('names the bad file: a non-image, a missing file; usage errors', async () => {
    const c = capture();
    expect(await main(['infer', cfg, ckpt, cfg], c.io)).not.toBe(0);
    expect(c.err.join('\n')).toContain('resnet18_cifar_w16_cfg.json');
    const m = capture();
    expect(await main(['infer', cfg, ckpt, `${images}/nope.jpg`], m.io)).not.toBe(0);
    expect(m.err.join('\n')).toMatch(/nope\.jpg: cannot read/);
    const u = capture();
    expect(await main(['infer', cfg, ckpt, `${images}/dog.jpg`, '--topk', '0'], u.io)).not.toBe(0);
    expect(u.err.join('\n')).toMatch(/--topk must be a positive integer/);
  });

  it("a shipped model name with its 'released' weights (the studio default LeNet-5, grayscale loading)", async () => {
    const c = capture();
    expect(await main(['infer', 'lenet5_1xb32-sgd-coslr-3e_fashion-mnist', 'released', `${images}/dog.jpg`, '--json', '--topk', '2'], c.io)).toBe(0);
    const res = JSON.parse(c.out.join('\n')) as { checkpoint: string; classes_source: string; results: { topk: { class: string }[] }[] };
    expect(res.checkpoint).toBe('lenet5_fashion-mnist.pth');
    expect(res.classes_source).toBe('from lenet5_fashion-mnist.pth meta');
    expect(res.results[0].topk).toHaveLength(2);
    const n = capture();
    expect(await main(['infer', 'resnet18_8xb16_cifar10', 'released', `${images}/dog.jpg`], n.io)).not.toBe(0);
    expect(n.err.join('\n')).toMatch(/no released weights for 'resnet18_8xb16_cifar10'/);
  });

  it('--list: shipped model names (list_models)', async () => {
    const c = capture();
    expect(await main(['infer', '--list', 'resnet18'], c.io)).toBe(0);
    expect(c.out.join('\n').split('\n')).toContain('resnet18_8xb16_cifar10');
  });
});
