import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { imfrombytes } from '../../../image/io';
import { sharedPath, missingShared } from '../../../testing/shared';
import type { HandoffImage } from '../../store/imageHandoff';
import { handoffCategory, handoffFile, handoffNote } from './receive';

describe('what the CAM panel makes of a hand-off', () => {
  it('a dataset sample (RGBA) becomes a PNG file with the same pixels, named .png; no target category', () => {
    const data = new Uint8ClampedArray(3 * 2 * 4).map((_, i) => (i % 4 === 3 ? 255 : i * 9));
    const sample: HandoffImage = { source: 'dataset', name: '12.jpg', picture: { kind: 'rgba', data, width: 3, height: 2 }, groundTruth: { index: 2, name: 'bird' } };
    const file = handoffFile(sample);
    expect(file.name).toBe('12.png');
    const png = decode(new Uint8Array(file.bytes));
    expect([png.width, png.height, png.channels]).toEqual([3, 2, 4]);
    expect(Array.from(png.data)).toEqual(Array.from(data));
    // as the CAM pipeline's LoadImageFromFile reads it: BGR
    const img = imfrombytes(new Uint8Array(file.bytes));
    expect(Array.from(img.data.subarray(0, 3))).toEqual([data[2], data[1], data[0]]);
    expect(handoffCategory(sample)).toBeNull();
    expect(handoffNote(sample)).toBe('12.jpg from the Dataset panel, ground truth 2 (bird)');
  });

  const dogPath = sharedPath('data/images/dog.jpg');
  it.skipIf(missingShared(dogPath))('an inference result keeps its file (a copy) and targets the predicted class', () => {
    const b = readFileSync(dogPath);
    const bytes = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    const result: HandoffImage = {
      source: 'inference',
      name: 'dog.jpg',
      picture: { kind: 'encoded', bytes },
      predicted: { index: 5, name: 'dog', score: 0.873 },
      model: { name: 'resnet18_cifar_w16_cfg.json', config: {}, checkpoint: { name: 'resnet18_cifar_w16.safetensors', bytes: new ArrayBuffer(4) } },
    };
    const file = handoffFile(result);
    expect(file.name).toBe('dog.jpg');
    expect(file.bytes).not.toBe(bytes);
    expect(new Uint8Array(file.bytes)).toEqual(new Uint8Array(bytes));
    expect(handoffCategory(result)).toBe(5);
    expect(handoffNote(result)).toBe('dog.jpg from the Inference panel, predicted 5 (dog) 87.3%, model resnet18_cifar_w16_cfg.json with resnet18_cifar_w16.safetensors');
  });
});
