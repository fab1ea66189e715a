/** `bench-pipeline` runs both pipelines on the real data and reports images/s. */
import { describe, expect, it } from 'vitest';
import { main } from '../main';
import { sharedPath, missingShared } from '../../testing/shared';
import { readCifarRecords } from './bench-pipeline';

describe.skipIf(missingShared(sharedPath('data/cifar10/data_batch_1.first258.bin')))('mmpretrain-web bench-pipeline', () => {
  it('reads CIFAR-10 records as BGR HWC and fails on a truncated batch', () => {
    const rec = new Uint8Array(3073 * 2);
    rec[1] = 10; // R of pixel 0
    rec[1 + 1024] = 20; // G
    rec[1 + 2048] = 30; // B
    const [img] = readCifarRecords(rec);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([30, 20, 10]);
    expect(() => readCifarRecords(rec.subarray(0, 3000))).toThrow(/not a multiple of 3073/);
  });
  it('measures both pipelines (JSON report)', async () => {
    let out = '';
    const code = await main(['bench-pipeline', '--seconds', '0.2', '--python', 'none', '--json'], { out: (t) => (out += t), err: () => {} });
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.cifar_train.ours.imagesPerSecond).toBeGreaterThan(0);
    expect(report.cifar_train.images).toBe(258);
    expect(report.imagenet_test.files).toEqual(['bird.JPEG', 'demo.JPEG', 'dog.jpg']);
    expect(report.imagenet_test.ours.images).toBeGreaterThan(0);
    expect(report.note).toMatch(/Python side skipped/);
  });
});
