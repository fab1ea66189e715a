import { describe, expect, it } from 'vitest';
import { checkHandoff, createImageHandoff, type HandoffImage } from './imageHandoff';

const dog: HandoffImage = { source: 'inference', name: 'dog.jpg', picture: { kind: 'encoded', bytes: new Uint8Array([0xff, 0xd8, 0xff]).buffer }, predicted: { index: 5, name: 'dog', score: 0.8 } };

describe('image hand-off store', () => {
  it('send queues one image (the newest wins), take hands it over once, serial counts sends', () => {
    const store = createImageHandoff();
    expect(store.getState()).toMatchObject({ pending: null, serial: 0 });
    const sample: HandoffImage = { source: 'dataset', name: '7.jpg', picture: { kind: 'rgba', data: new Uint8ClampedArray(2 * 3 * 4), width: 2, height: 3 }, groundTruth: { index: 7 } };
    store.getState().send(sample);
    store.getState().send(dog);
    expect(store.getState().serial).toBe(2);
    expect(store.getState().take()).toBe(dog);
    expect(store.getState().take()).toBeNull();
    expect(store.getState().serial).toBe(2);
  });

  it('refuses empty or malformed pictures with a message naming the sender and the image', () => {
    const store = createImageHandoff();
    expect(() => store.getState().send({ ...dog, picture: { kind: 'encoded', bytes: new ArrayBuffer(0) } })).toThrow('image hand-off from the inference panel (dog.jpg): the file is empty (0 bytes)');
    expect(() => checkHandoff({ source: 'dataset', name: '3.jpg', picture: { kind: 'rgba', data: new Uint8ClampedArray(10), width: 2, height: 2 } })).toThrow('(3.jpg): 10 bytes is not RGBA 2×2 (16 bytes)');
    expect(() => checkHandoff({ source: 'dataset', name: '3.jpg', picture: { kind: 'rgba', data: new Uint8ClampedArray(0), width: 0, height: 2 } })).toThrow('bad size 0×2');
    expect(() => checkHandoff({ ...dog, name: '' })).toThrow('no file name');
    expect(store.getState()).toMatchObject({ pending: null, serial: 0 });
  });
});
