/**
 * InceptionV3: outputs equal the real MMPretrain module's on deterministic weights (`__fixtures__/group_d`: eval at
 * 75 px with `aux_logits` built but unused; at 299 px the logits and AuxLogits on Mixed_6e's output),
 * the metafile's parameter count (and the auxiliary head's), PyTorch's key order, finite outputs of the right shapes
 * with `aux_logits` both ways, and unknown options rejected.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { sharedPath } from '../../testing/shared';
import { detInput, expectedOutputs, fillDeterministic, groupDCase, keysDigest, runGroupDCase } from './__fixtures__/group_d/load';
import { MODELS } from '../../registry';
import { toNHWC } from '../nn/layout';
import { parityError } from '../testing/parity_core';
import { InceptionV3 } from './inception_v3';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

describe('InceptionV3 against MMPretrain (deterministic weights)', () => {
  it('eval at 75 px: the logits only (the auxiliary head runs in training mode only)', async () => {
    const r = await runGroupDCase('inception_eval');
    expect(r.keysMatch.backbone).toBe(true);
    expect(r.shapes).toEqual([[2, 10]]);
    expect(r.errors[0]).toBeLessThan(1e-4);
  }, 30000);

  it('299 px: the logits, and AuxLogits on Mixed_6e (run here in eval mode; PyTorch runs it while training only)', async () => {
    const c = groupDCase('inception_aux_eval');
    const [refLogits, refAux] = expectedOutputs('inception_aux_eval');
    const m = MODELS.build<InceptionV3>(structuredClone(c.cfgs.backbone));
    expect(keysDigest(m)).toBe(c.keys.backbone.sha256);
    fillDeterministic(m);
    m.eval();
    let feat: tf.Tensor | null = null;
    const unhook = m.child('Mixed_6e').registerForwardHook((_m, _i, out) => (feat = tf.keep((out as tf.Tensor).clone())));
    const x = tf.tidy(() => toNHWC(tf.tensor(detInput(c.input_shape), c.input_shape)));
    const [logits] = m.call(x);
    unhook();
    expect(feat).not.toBeNull();
    const aux = m.child('AuxLogits').call(feat as unknown as tf.Tensor) as tf.Tensor;
    expect(parityError(await logits.data(), refLogits)).toBeLessThan(1e-4);
    expect(parityError(await aux.data(), refAux)).toBeLessThan(1e-4);
    tf.dispose([x, logits, aux, feat as unknown as tf.Tensor]);
    m.dispose();
  }, 60000);
});

describe('InceptionV3 structure', () => {
  it('has the metafile parameter count (23,834,568 for 1000 classes; +3,326,696 with AuxLogits) and PyTorch key order', () => {
    const m = new InceptionV3();
    expect(m.numParameters()).toBe(23_834_568);
    const keys = [...m.stateDictShapes().keys()];
    m.dispose();
    const aux = new InceptionV3({ aux_logits: true });
    expect(aux.numParameters()).toBe(27_161_264);
    const auxKeys = [...aux.stateDictShapes().keys()];
    aux.dispose();
    // AuxLogits sits between Mixed_6e and Mixed_7a, as PyTorch registers it.
    const first = auxKeys.findIndex((k) => k.startsWith('AuxLogits.'));
    expect(auxKeys[first - 1]).toBe('Mixed_6e.branch_pool.bn.num_batches_tracked');
    expect(auxKeys[first]).toBe('AuxLogits.conv0.conv.weight');
    expect(auxKeys.filter((k) => !k.startsWith('AuxLogits.'))).toEqual(keys);
    expect(keys.at(-1)).toBe('fc.bias');
  });

  it('matches the zoo key list (keys-only fixture)', () => {
    const zoo = JSON.parse(readFileSync(sharedPath('reference/zoo/InceptionV3_tiny_keys.json'), 'utf8')) as { keys: [string, number[]][] };
    const m = new InceptionV3({ num_classes: 10 });
    expect([...m.stateDictShapes()].map(([k, s]) => [`backbone.${k}`, s])).toEqual(zoo.keys.map(([k, s]) => [k, s]));
    m.dispose();
  });

  it('without aux_logits: finite [N, num_classes] scores through the classifier, the logits only in training mode too, no leak', () => {
    const backbone = new InceptionV3({ num_classes: 7, dropout: 0 });
    fillDeterministic(backbone);
    const model = new ImageClassifier({ backbone, head: { type: 'ClsHead' } });
    model.eval();
    const x = tf.randomNormal([1, 3, 96, 96], 0, 1, 'float32', 1);
    const feats = model.extractFeat(x, 'backbone');
    expect(feats.map((f) => f.shape)).toEqual([[1, 7]]);
    const y = model.call(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 7]);
    expect(y.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([y, ...feats]);
    const before = tf.memory().numTensors;
    tf.dispose(model.call(x));
    expect(tf.memory().numTensors).toBe(before);
    backbone.train();
    const x2 = tf.randomNormal([2, 96, 96, 3], 0, 1, 'float32', 4);
    const outs = backbone.call(x2);
    expect(outs.map((o) => o.shape)).toEqual([[2, 7]]);
    expect(outs[0].dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([x, x2, ...outs]);
    model.dispose();
  }, 60000);

  it('rejects unknown options', () => {
    expect(() => new InceptionV3({ transform_input: true } as never)).toThrow(/unknown option 'transform_input'/);
  });
});
