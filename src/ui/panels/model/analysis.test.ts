import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../../backends/tf';
import { useBackend } from '../../../models/node';
import { sharedPath, missingShared } from '../../../testing/shared';
import { analyzeModel, defaultInputShape } from './analysis';

const models = sharedPath('reference/models');
/** `(16, 3, 3, 3)`, `(16,)`, `()` → number[]. */
const parseShape = (s: string): number[] => JSON.parse(`[${s.trim().slice(1, -1).replace(/,\s*$/, '')}]`) as number[];

describe.skipIf(missingShared(models))('Model panel analysis', () => {
  it('module tree with every state-dict tensor under its module (shapes as MMPretrain keys.txt), params total, no leaks', async () => {
    await useBackend('wasm');
    for (const name of ['resnet18_cifar_w16', 'lenet5']) {
      const cfg = JSON.parse(readFileSync(`${models}/${name}_cfg.json`, 'utf8')) as Record<string, unknown>;
      const keys = readFileSync(`${models}/${name}_keys.txt`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
      const shape = defaultInputShape(cfg);
      expect(shape).toEqual(name === 'lenet5' ? [1, 32, 32] : [3, 32, 32]);
      const before = tf.memory().numTensors;
      const a = analyzeModel(cfg, shape);
      expect(tf.memory().numTensors).toBe(before);
      // Every key of the real checkpoint appears once in the tree, under its module, with its shape.
      const fromTree = new Map(a.rows.flatMap((r) => r.tensors.map((t) => [(r.name ? `${r.name}.` : '') + t.name, t] as const)));
      for (const [key, shapeText] of keys) {
        const t = fromTree.get(key);
        expect(t, key).toBeDefined();
        expect(t!.shape, key).toEqual(parseShape(shapeText));
      }
      expect(fromTree.size).toBe(keys.length);
      const paramCount = [...fromTree.values()].filter((t) => t.kind === 'param').reduce((s, t) => s + t.shape.reduce((x, y) => x * y, 1), 0);
      expect(a.params).toBe(paramCount);
      expect(a.rows[0]).toMatchObject({ name: '', type: 'ImageClassifier', depth: 0 });
      expect(a.flops).toBeGreaterThan(0);
      expect(a.repr.startsWith('ImageClassifier(')).toBe(true);
      expect(a.table).toContain('#parameters or shape');
    }
  });
});
