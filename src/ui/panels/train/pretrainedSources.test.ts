import { describe, expect, it } from 'vitest';
import { cachedMatch, downloadCheckpoint, pretrainedFiles, pretrainedReadiness, type ChosenPretrained } from './pretrainedSources';

const URL_CKPT = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet18_b16x8_cifar10_20210528-bd6371c8.pth';

describe('Pretrained checkpoints in the Train panel', () => {
  it('a start needs every checkpoint, unless training from scratch or resuming', () => {
    const chosen = new Map<string, ChosenPretrained>([['a.pth', { name: 'a.pth', data: new Blob(['x']), origin: 'dropped' }]]);
    expect(pretrainedReadiness(['a.pth', URL_CKPT], chosen)).toEqual({ ready: false, missing: [URL_CKPT] });
    expect(pretrainedReadiness(['a.pth'], chosen)).toEqual({ ready: true, missing: [] });
    expect(pretrainedReadiness(['a.pth', URL_CKPT], chosen, { fromScratch: true })).toEqual({ ready: true, missing: [] });
    expect(pretrainedReadiness([URL_CKPT], new Map(), { resuming: true }).ready).toBe(true);
    expect(pretrainedFiles(['a.pth', URL_CKPT], chosen, false)).toEqual([{ checkpoint: 'a.pth', name: 'a.pth', data: chosen.get('a.pth')!.data }]);
    expect(pretrainedFiles(['a.pth'], chosen, true)).toEqual([]);
  });

  it('offers the cached checkpoint with the URL file name', () => {
    const cached = [{ name: 'other.pth' }, { name: 'resnet18_b16x8_cifar10_20210528-bd6371c8.pth' }];
    expect(cachedMatch(cached, URL_CKPT)).toBe(cached[1]);
    expect(cachedMatch(cached, 'work_dirs/x/epoch_3.pth')).toBeNull();
  });

  it('a download failure says why: CORS or network, HTTP status, offline, a local path', async () => {
    await expect(downloadCheckpoint(URL_CKPT, () => Promise.reject(new TypeError('Failed to fetch')))).rejects.toThrow(
      `could not download ${URL_CKPT} (Failed to fetch): the server does not allow this page to read it (no CORS headers) or the network is unreachable. Download resnet18_b16x8_cifar10_20210528-bd6371c8.pth yourself`,
    );
    await expect(downloadCheckpoint(URL_CKPT, async () => new Response('nope', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/: HTTP 404 Not Found\./);
    await expect(downloadCheckpoint(URL_CKPT, async () => new Response('x'), false)).rejects.toThrow(/the browser is offline/);
    await expect(downloadCheckpoint('checkpoints/r18.pth')).rejects.toThrow(/a local path, not a URL: drop the file r18\.pth here/);
    const ok = await downloadCheckpoint(`${URL_CKPT}?v=1`, async () => new Response(new Uint8Array([80, 75])));
    expect(ok.name).toBe('resnet18_b16x8_cifar10_20210528-bd6371c8.pth');
    expect(ok.origin).toBe('download');
    expect(new Uint8Array(await ok.data.arrayBuffer())).toEqual(new Uint8Array([80, 75]));
  });
});
