/**
 * LoRAModel beyond the zoo keys: the LoRA linear's formula, targets (regex / suffix, per-target settings), only the
 * LoRA weights trainable and saved, a plain checkpoint loading into the wrapped model, identity at initialisation,
 * gradients of a training step, and the error texts.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { loadCheckpoint, parseNpz, toFloat32 } from '../../fileio';
import { parityError } from '../testing/parity_core';
import { zooModelCfg, zooPath } from '../testing/zoo';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import { Linear } from '../nn/linear';
import { Generator } from '../../utils/random';
import { useBackend } from '../node';
import { groupKCases, runGroupKCase } from '../backbones/__fixtures__/group_k/load';
import { registerModels } from '../register_all';
import { VisionTransformer } from '../backbones/vision_transformer';
import { LoRALinear, LoRAModel } from './lora';
import { missingShared } from '../../testing/shared';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const vit = { type: 'VisionTransformer', arch: { embed_dims: 16, num_layers: 2, num_heads: 2, feedforward_channels: 32 }, img_size: 16, patch_size: 8 };
const maxDiff = (a: Tensor, b: Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('LoRAModel', () => {
  it('LoRALinear: W₀x + b + up(down(x))·α/r, original weights copied', () => {
    const lin = new Linear({ in_features: 6, out_features: 4 });
    initWeights(lin, new Generator(1));
    const l = new LoRALinear(lin, 8, 2);
    expect(l.scaling).toBe(4);
    expect(l.namedChildren().map(([n]) => n)).toEqual(['lora_dropout', 'lora_down', 'lora_up', 'original_layer']);
    const down = l.child<Linear>('lora_down');
    const up = l.child<Linear>('lora_up');
    down.weight.assign(tf.randomNormal([2, 6], 0, 1, 'float32', 2));
    up.weight.assign(tf.randomNormal([4, 2], 0, 1, 'float32', 3));
    const x = tf.randomNormal([3, 6], 0, 1, 'float32', 4);
    const want = tf.tidy(() => tf.add(tf.add(tf.matMul(x, lin.weight, false, true), lin.bias!), tf.mul(tf.matMul(tf.matMul(x, down.weight, false, true), up.weight, false, true), 4)));
    const y = l.call(x);
    expect(maxDiff(y, want)).toBeLessThan(1e-5);
    tf.dispose([x, want, y]);
    lin.dispose();
    l.dispose();
  });

  it('replaces the targeted Linears (regex full match or suffix, per-target alpha / rank), skips non-Linears', () => {
    const m = new LoRAModel({ module: vit, alpha: 2, rank: 4, targets: [{ type: 'qkv' }, { type: 'layers\\.1\\.ffn\\.layers\\.0\\.0', rank: 2, alpha: 8 }, { type: 'attn' }] });
    expect(m.loraLayers).toEqual(['layers.0.attn.qkv', 'layers.1.attn.qkv', 'layers.1.ffn.layers.0.0']);
    const shapes = Object.fromEntries(m.stateDictShapes());
    expect(shapes).toEqual({
      'module.layers.0.attn.qkv.lora_down.weight': [4, 16],
      'module.layers.0.attn.qkv.lora_up.weight': [48, 4],
      'module.layers.1.attn.qkv.lora_down.weight': [4, 16],
      'module.layers.1.attn.qkv.lora_up.weight': [48, 4],
      'module.layers.1.ffn.layers.0.0.lora_down.weight': [2, 16],
      'module.layers.1.ffn.layers.0.0.lora_up.weight': [32, 2],
    });
    const l = m.module.child('layers').child('1').child('ffn').child('layers').child('0').child<LoRALinear>('0');
    expect(l.scaling).toBe(4);
    const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k);
    expect(trainable).toEqual(Object.keys(shapes));
    // Every parameter is still there, frozen.
    const { type, ...vitOpts } = vit;
    void type;
    const plain = new VisionTransformer(vitOpts);
    expect(m.numParameters()).toBe(plain.numParameters() + 2 * (4 * 16 + 48 * 4) + 2 * 16 + 32 * 2);
    plain.dispose();
    m.dispose();
  });

  it('is the wrapped model at initialisation; loads a plain checkpoint of it (reporting only LoRA keys)', () => {
    const plain = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: vit, head: { type: 'LinearClsHead', num_classes: 3, in_channels: 16 } });
    initWeights(plain, new Generator(5));
    const lora = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'LoRAModel', module: vit, alpha: 4, rank: 2, targets: [{ type: 'qkv' }, { type: 'proj' }] }, head: { type: 'LinearClsHead', num_classes: 3, in_channels: 16 } });
    initWeights(lora, new Generator(6));
    const up = lora.backbone.child('module').child('layers').child('0').child('attn').child('qkv').child<Linear>('lora_up');
    expect(tf.max(tf.abs(up.weight)).dataSync()[0]).toBe(0);
    const down = lora.backbone.child('module').child('layers').child('0').child('attn').child('qkv').child<Linear>('lora_down');
    expect(tf.max(tf.abs(down.weight)).dataSync()[0]).toBeGreaterThan(0);
    const sd = new Map([...plain.stateDict()].map(([k, v]) => [k.replace(/^backbone\./, 'backbone.module.'), v]));
    const report = lora.loadStateDict(sd, { strict: false });
    // Only the LoRA weights are reported missing; the plain `qkv.weight` / `proj.weight` went to `original_layer`.
    expect(report.missingKeys).toEqual([0, 1].flatMap((i) => ['qkv', 'proj'].flatMap((n) => ['lora_down', 'lora_up'].map((l) => `backbone.module.layers.${i}.attn.${n}.${l}.weight`))));
    expect(report.unexpectedKeys).toEqual([]);
    plain.eval();
    lora.eval();
    const x = tf.randomNormal([2, 3, 16, 16], 0, 1, 'float32', 7);
    const a = plain.call(x) as Tensor;
    const b = lora.call(x) as Tensor;
    expect(maxDiff(a, b)).toBeLessThan(1e-6);
    // A non-zero update changes the output.
    up.weight.assign(tf.onesLike(up.weight));
    const c = lora.call(x) as Tensor;
    expect(maxDiff(a, c)).toBeGreaterThan(1e-3);
    const before = tf.memory().numTensors;
    tf.dispose(lora.call(x));
    expect(tf.memory().numTensors).toBe(before);
    // Saved: only LoRA weights and the head.
    expect([...lora.stateDict().keys()].filter((k) => !k.includes('.lora_'))).toEqual(['head.fc.weight', 'head.fc.bias']);
    tf.dispose([x, a, b, c]);
    plain.dispose();
    lora.dispose();
  });

  // The LoRA fixture's .pth holds only the LoRA and head weights (LoRAModel's own state-dict hook), so its outputs
  // cannot be reproduced; its `module` is the VisionTransformer fixture's model, whose real weights and outputs are.
  it.skipIf(missingShared(zooPath('VisionTransformer_tiny.pth')))('with lora_up = 0 and the VisionTransformer fixture weights, reproduces PyTorch\'s ViT outputs', async () => {
    const model = MODELS.build<ImageClassifier>(zooModelCfg('LoRAModel') as { type: string });
    initWeights(model, new Generator(3));
    const ck = await loadCheckpoint(new Uint8Array(readFileSync(zooPath('VisionTransformer_tiny.pth'))), 'VisionTransformer_tiny.pth');
    const sd = new Map([...ck.stateDict].map(([k, v]) => [k.replace(/^backbone\./, 'backbone.module.'), v]));
    const report = model.loadStateDict(sd, { strict: false });
    expect(report.unexpectedKeys).toEqual([]);
    expect(report.missingKeys.every((k) => k.includes('.lora_'))).toBe(true);
    model.eval();
    const io = parseNpz(new Uint8Array(readFileSync(zooPath('VisionTransformer_tiny_io.npz'))), 'io');
    const x = tf.tensor(toFloat32(io.x), io.x.shape);
    const [feat] = model.extractFeat(x, 'backbone');
    const logits = model.call(x) as Tensor;
    const errs = [parityError(await feat.data(), io.backbone_out_0), parityError(await logits.data(), io.logits)];
    console.log(`[lora] via VisionTransformer fixture: backbone_out_0=${errs[0].toExponential(2)} logits=${errs[1].toExponential(2)}`);
    for (const e of errs) expect(e).toBeLessThan(1e-4);
    tf.dispose([x, feat, logits]);
    model.dispose();
  });

  it('a training step gives every trainable parameter (LoRA + head) a gradient and nothing else', () => {
    const model = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'LoRAModel', module: vit, alpha: 4, rank: 2, drop_rate: 0.1, targets: [{ type: '.*qkv' }] }, head: { type: 'LinearClsHead', num_classes: 3, in_channels: 16 } });
    initWeights(model, new Generator(2));
    for (const [k, v] of model.namedParameters()) if (k.includes('lora_up')) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 9));
    model.train();
    const trainable = model.namedParameters().filter(([, v]) => v.trainable);
    expect(trainable.map(([k]) => k)).toEqual(['backbone.module.layers.0.attn.qkv.lora_down.weight', 'backbone.module.layers.0.attn.qkv.lora_up.weight', 'backbone.module.layers.1.attn.qkv.lora_down.weight', 'backbone.module.layers.1.attn.qkv.lora_up.weight', 'head.fc.weight', 'head.fc.bias']);
    const x = tf.randomNormal([2, 3, 16, 16], 0, 1, 'float32', 1);
    const { value, grads } = tf.variableGrads(() => model.loss(x, [{ gt_label: [0] }, { gt_label: [2] }]).loss as tf.Scalar, trainable.map(([, v]) => v));
    expect(Object.keys(grads).length).toBe(6);
    const names = new Map(trainable.map(([n, v]) => [v.name, n]));
    for (const [k, g] of Object.entries(grads)) expect(tf.max(tf.abs(g)).dataSync()[0], names.get(k)).toBeGreaterThan(0);
    tf.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('fails with MMPretrain\'s messages', () => {
    expect(() => new LoRAModel({ module: vit, rank: 2 })).toThrow('The length of target layers should not be 0.');
    expect(() => new LoRAModel({ module: vit, rank: 2, targets: [{ type: 'nothing' }] })).toThrow('No lora layer is replaced. Please check targets.');
    expect(() => new LoRAModel({ module: vit, rank: 2, targets: [{ type: 'qkv' }], bogus: 1 } as never)).toThrow(/bogus/);
  });

  for (const name of groupKCases('lora')) {
    it(`matches MMPretrain on PyTorch: ${name} (backbones/__fixtures__/group_k)`, async () => {
      const r = await runGroupKCase(name);
      console.log(`[group_k] ${name}: ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(r.keysMatch).toBe(true);
      for (const e of r.errors) expect(e).toBeLessThan(1e-4);
      expect(r.leak).toBe(0);
    });
  }
});
