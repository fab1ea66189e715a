/**
 * Every backbone family of `shared/reference/zoo` (one small real MMPretrain 1.2 model per family) that is registered
 * here: the model dict builds, its state dict has PyTorch's keys and shapes in PyTorch's order, and — where the family
 * ships weights — the `.pth` loads strictly and every backbone / neck / logits output matches PyTorch within
 * 1e-4·max(1, |ref|) on WASM, with no tensor left behind by a forward pass.
 */
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import type { ImageClassifier } from '../classifiers/image';
import { measureZooGradients, measureZooParity, zooBackboneRegistered, OUTPUTS_NOT_REPRODUCIBLE, zooFamilies, zooKeys, zooModelCfg, zooPath } from '../testing/zoo';
import { missingShared } from '../../testing/shared';

const TOL = 1e-4;

/** Parameters MMPretrain 1.2 builds and loads but never uses, so they get no gradient there either. */
const UNUSED_IN_MMPRETRAIN: Record<string, RegExp> = {
  // DeiT3's layer normalises the FFN input with ln1 (`self.ffn(self.ln1(x), identity=x)`): ln2 is never called.
  DeiT3: /^backbone\.layers\.\d+\.ln2\./,
  // At init LoRA's up-projection is zero (`nn.init.zeros_(lora_up.weight)`), so the down-projection's first gradient is 0.
  LoRAModel: /\.lora_down\./,
};

const families = !missingShared(zooPath('index.json')) ? zooFamilies() : [];
const covered = families.filter((f) => zooBackboneRegistered(f.family));

describe('reference zoo: every registered backbone family', () => {
  it.skipIf(families.length === 0)('lists the families not yet registered', () => {
    const missing = families.filter((f) => !covered.includes(f)).map((f) => f.family);
    console.log(`[zoo] ${covered.length}/${families.length} families registered; not yet: ${missing.join(', ') || 'none'}`);
    expect(covered.length).toBeGreaterThan(0);
  });

  for (const f of covered) {
    it(`${f.family}: state dict keys and shapes as PyTorch's`, async () => {
      await useBackend('wasm');
      const model = MODELS.build<ImageClassifier>(zooModelCfg(f.family) as { type: string });
      try {
        const ours = [...model.stateDictShapes()].map(([k, s]) => [k, s]);
        expect(ours).toEqual(zooKeys(f.family));
      } finally {
        model.dispose();
      }
    });
    if (!f.weights) continue;
    it(`${f.family}: strict load, outputs within ${TOL} of PyTorch on WASM, no leak`, async () => {
      await useBackend('wasm');
      const r = await measureZooParity(f.family);
      console.log(`[zoo] ${f.family}: ${Object.entries(r.errors).map(([k, v]) => `${k}=${v.toExponential(2)}`).join(' ')}`);
      expect(r.report).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
      expect(Object.keys(r.errors).length).toBeGreaterThan(0);
      if (!(f.family in OUTPUTS_NOT_REPRODUCIBLE)) for (const [k, v] of Object.entries(r.errors)) expect(v, k).toBeLessThan(TOL);
      expect(r.tensorLeak).toBe(0);
    });
    it(`${f.family}: a training step on WASM gives every trainable parameter a finite gradient, no leak`, async () => {
      await useBackend('wasm');
      // A fixture whose .pth lacks weights behind its outputs trains from init_weights() instead.
      const g = await measureZooGradients(f.family, { loadWeights: !(f.family in OUTPUTS_NOT_REPRODUCIBLE) });
      expect(Number.isFinite(g.loss)).toBe(true);
      expect(g.nonFinite).toEqual([]);
      const unused = UNUSED_IN_MMPRETRAIN[f.family];
      expect(g.withGradient.length + g.withoutGradient.filter((n) => unused?.test(n)).length).toBe(g.trainable);
      if (unused) expect(g.withoutGradient.length, 'the parameters MMPretrain leaves unused').toBeGreaterThan(0);
      expect(g.tensorLeak).toBe(0);
    });
  }
});
