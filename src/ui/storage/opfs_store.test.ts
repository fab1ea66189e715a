import { describe, expect, it } from 'vitest';
import { createZooHandoff } from '../panels/zoo/modelHandoff';
import { MemoryCheckpointStore, openCheckpointStore, quotaMessage } from './opfs_store';

describe('browser checkpoint stores (the OPFS one runs in e2e/zoo.spec.ts)', () => {
  it('memory store: partial apart from finished, commit, list, remove', async () => {
    const s = new MemoryCheckpointStore();
    await s.append('a-12345678.pth', new Uint8Array([1, 2, 3]));
    await s.append('a-12345678.pth', new Uint8Array([4, 5]));
    expect(await s.partialSize('a-12345678.pth')).toBe(5);
    expect(await s.size('a-12345678.pth')).toBeNull();
    expect(await s.list()).toEqual([]);
    const parts: number[] = [];
    for await (const c of s.readPartial('a-12345678.pth')) parts.push(...c);
    expect(parts).toEqual([1, 2, 3, 4, 5]);
    await s.commit('a-12345678.pth');
    expect(await s.partialSize('a-12345678.pth')).toBe(0);
    expect([...(await s.read('a-12345678.pth'))!]).toEqual([1, 2, 3, 4, 5]);
    expect((await s.blob('a-12345678.pth'))!.size).toBe(5);
    expect(await s.list()).toEqual([{ key: 'a-12345678.pth', bytes: 5 }]);
    await s.append('b.pth', new Uint8Array([9]));
    await s.discardPartial('b.pth');
    await expect(s.commit('b.pth')).rejects.toThrow('b.pth: no partial file to commit');
    await s.remove('a-12345678.pth');
    expect(await s.list()).toEqual([]);
  });

  it('without OPFS nor Cache Storage (Node) the page store is memory, with a notice', async () => {
    const { store, notice } = await openCheckpointStore();
    expect(store.kind).toBe('memory');
    expect(notice).toContain('kept in memory only');
  });

  it('a quota error names the file, the usage and what to do', async () => {
    const msg = await quotaMessage('vit-large.pth', new DOMException('The quota has been exceeded.', 'QuotaExceededError'), async () => ({ usage: 3 * 2 ** 30, quota: 4 * 2 ** 30 }));
    expect(msg).toBe(
      'not enough browser storage to keep vit-large.pth (this site uses 3.00 GB of the 4.00 GB the browser grants it): The quota has been exceeded.. Delete stored checkpoints in the Model Zoo panel, free disk space, or download the file yourself and drop it here.',
    );
    expect(await quotaMessage('x.pth', null, async () => Promise.reject(new Error('no')))).toMatch(/^not enough browser storage to keep x\.pth\. Delete/);
  });

  it('zoo hand-off: one model per receiving panel, taken once', () => {
    const h = createZooHandoff();
    const m = { name: 'resnet18_8xb16_cifar10', configPath: 'configs/resnet/resnet18_8xb16_cifar10.py', config: { model: {} }, checkpoint: null };
    h.getState().send('cam', m);
    expect(h.getState().serial).toBe(1);
    expect(h.getState().take('inference')).toBeNull();
    expect(h.getState().take('cam')).toBe(m);
    expect(h.getState().take('cam')).toBeNull();
  });
});
