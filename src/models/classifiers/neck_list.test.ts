/** `neck=[dict(...), dict(...)]` (HRNet's configs): a Sequential of necks, as mmengine builds a list, keyed `neck.<i>.*`. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { buildClassifier } from '../builder';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const model = (neck: unknown) =>
  buildClassifier({
    type: 'ImageClassifier',
    backbone: { type: 'ResNet_CIFAR', depth: 18, stem_channels: 4, base_channels: 4, out_indices: [2, 3] },
    neck,
    head: { type: 'LinearClsHead', num_classes: 3, in_channels: 32 },
  });

describe('a list of necks', () => {
  it('builds a Sequential with neck.<i> keys and gives the same features as the single neck', () => {
    const single = model({ type: 'GeneralizedMeanPooling', p: 3 });
    const listed = model([{ type: 'GeneralizedMeanPooling', p: 3 }]);
    expect([...listed.stateDictShapes().keys()].filter((k) => k.startsWith('neck'))).toEqual(['neck.0.p']);
    listed.loadStateDict(new Map([...single.stateDict()].map(([k, v]) => [k.replace(/^neck\./, 'neck.0.'), v])));
    const x = tf.randomNormal([2, 3, 16, 16], 0, 1, 'float32', 2);
    const a = single.extractFeat(x, 'neck');
    const b = listed.extractFeat(x, 'neck');
    expect(b.length).toBe(2);
    for (const i of [0, 1]) expect(Array.from(b[i].dataSync())).toEqual(Array.from(a[i].dataSync()));
    tf.dispose([...a, ...b]);
    const n = tf.memory().numTensors;
    tf.dispose(listed.extractFeat(x, 'neck'));
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose(x);
    single.dispose();
    listed.dispose();
  });
});
