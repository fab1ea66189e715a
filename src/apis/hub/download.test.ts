import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, shippedConfigsFS } from '../node';
import { getModel, initModel } from '../model';
import { registerModels, unregisterModels } from '../model_hub';
import type { ModelInfo } from '../model_index';
import { checkpointFor, downloadCheckpoint, hashPrefixOf, hubUrl, keyOf, type DownloadProgress } from '.';
import { LocalHub, sha256Hex } from './local_hub';
import { NodeCheckpointStore } from './node_store';

const dirs: string[] = [];
const tmpStore = () => {
  const d = mkdtempSync(join(tmpdir(), 'hub-test-'));
  dirs.push(d);
  return new NodeCheckpointStore(d);
};

/** Random bytes named as MMPretrain names checkpoints, with the first 8 hex of their real sha256. */
function checkpointBytes(n: number, stem = 'test_8xb32_in1k_20261207'): { bytes: Uint8Array; name: string; sha: string } {
  const bytes = new Uint8Array(randomBytes(n));
  const sha = sha256Hex(bytes);
  return { bytes, name: `${stem}-${sha.slice(0, 8)}.pth`, sha };
}

const LENET = readFileSync(join(REPO_ROOT, 'public/models/lenet5_fashion-mnist.pth'));
const LENET_SHA = sha256Hex(LENET);
const LENET_PATH = `/mmclassification/v0/lenet/lenet5_fashion-mnist_20261207-${LENET_SHA.slice(0, 8)}.pth`;
const LENET_MODEL: ModelInfo = {
  name: 'lenet5_hub-test_fashion-mnist',
  config: 'configs/lenet/lenet5_1xb32-sgd-coslr-3e_fashion-mnist.py',
  weights: `https://download.openmmlab.com${LENET_PATH}`,
  collection: null,
  tasks: ['Image Classification'],
  metadata: {},
  results: [],
  paper: null,
  readme: null,
  code: null,
  convertedFrom: null,
  metafile: 'src/apis/hub/download.test.ts',
};

let hub: LocalHub;
beforeAll(async () => {
  hub = await new LocalHub().start();
  registerModels([LENET_MODEL]);
});
afterAll(async () => {
  unregisterModels([LENET_MODEL.name]); // the index is per process, as MMPretrain's ModelHub: leave it as found
  await hub.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('names and URLs', () => {
  it("hashPrefixOf finds torch.hub's -{hash}. ; keyOf the file name; hubUrl swaps scheme+host+port, keeps path and query", () => {
    expect(hashPrefixOf('resnet50_8xb32_in1k_20210831-ea4938fc.pth')).toBe('ea4938fc');
    expect(hashPrefixOf('deit-small_pt-4xb256_in1k_20220218-9425b9bb.pth')).toBe('9425b9bb');
    expect(hashPrefixOf('lenet5_fashion-mnist.pth')).toBeNull();
    const url = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth';
    expect(keyOf(url)).toBe('resnet50_8xb32_in1k_20210831-ea4938fc.pth');
    expect(hubUrl(url, 'http://127.0.0.1:8123')).toBe('http://127.0.0.1:8123/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth');
    expect(hubUrl(url, 'http://mirror.local:81/openmmlab/')).toBe('http://mirror.local:81/openmmlab/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth');
    expect(hubUrl('http://a.example:9000/x/y.pth?v=2', 'https://b.example')).toBe('https://b.example/x/y.pth?v=2');
    expect(hubUrl(url, null)).toBe(url);
    expect(() => hubUrl(url, 'not a url')).toThrow(/not a URL/);
  });
});

describe('downloadCheckpoint against a local HTTP server', () => {
  it('downloads with progress, checks the sha256 prefix, commits; a second call is served from the cache with the server stopped', async () => {
    const store = tmpStore();
    hub.serve(LENET_PATH, LENET);
    const events: DownloadProgress[] = [];
    const res = await downloadCheckpoint(hub.base() + LENET_PATH, { store, onProgress: (p) => events.push(p) });
    expect(res).toMatchObject({ key: LENET_PATH.split('/').pop(), bytes: LENET.length, sha256: LENET_SHA, cached: false, resumedFrom: 0, retries: 0 });
    expect(new Uint8Array(readFileSync(store.path(res.key)))).toEqual(new Uint8Array(LENET));
    expect(await store.partialSize(res.key)).toBe(0);
    expect(events.length).toBeGreaterThan(2);
    expect(events.every((e) => e.total === LENET.length)).toBe(true);
    expect(events.map((e) => e.received)).toEqual([...events.map((e) => e.received)].sort((a, b) => a - b));
    expect(events.at(-1)!.received).toBe(LENET.length);
    expect(await store.list()).toEqual([{ key: res.key, bytes: LENET.length }]);

    // offline: a port nothing listens on, and a fetch that fails the test if it is called
    const again = await downloadCheckpoint('http://127.0.0.1:9' + LENET_PATH, { store, fetch: () => Promise.reject(new Error('network used')) });
    expect(again).toMatchObject({ bytes: LENET.length, sha256: LENET_SHA, cached: true });
  });

  it('resumes with Range after the server drops the connection halfway', async () => {
    const store = tmpStore();
    const f = checkpointBytes(1 << 20);
    const path = `/mmpretrain/v1.0/test/${f.name}`;
    hub.serve(path, f.bytes, { dropAfter: [400_000] });
    const n0 = hub.log.length;
    const res = await downloadCheckpoint(hub.base() + path, { store, retryDelayMs: 0 });
    expect(res).toMatchObject({ bytes: f.bytes.length, sha256: f.sha, cached: false, retries: 1 });
    const reqs = hub.log.slice(n0);
    expect(reqs.map((r) => r.status)).toEqual([200, 206]);
    expect(reqs[0]).toMatchObject({ range: null, sent: 400_000 });
    // the resume starts where the client's stream stopped (what was in flight when the socket died is lost)
    const from = Number(/^bytes=(\d+)-$/.exec(reqs[1].range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(400_000);
    expect(reqs[1].sent).toBe(f.bytes.length - from);
    expect(sha256Hex(new Uint8Array(readFileSync(store.path(f.name))))).toBe(f.sha);
  });

  it('abort keeps the partial file; a later call resumes it with Range; a server that ignores Range restarts from 0 cleanly', async () => {
    const f = checkpointBytes(2 << 20);
    const path = `/mmpretrain/v1.0/test/${f.name}`;
    hub.serve(path, f.bytes);
    for (const ignoreRange of [false, true]) {
      const store = tmpStore();
      const ctrl = new AbortController();
      const cut = downloadCheckpoint(hub.base() + path, { store, signal: ctrl.signal, onProgress: (p) => p.received >= 512 << 10 && ctrl.abort() });
      await expect(cut).rejects.toMatchObject({ name: 'AbortError' });
      await expect(cut).rejects.toThrow(/cancelled; .* kept, a later download resumes/);
      const partial = await store.partialSize(f.name);
      expect(partial).toBeGreaterThanOrEqual(512 << 10);
      expect(partial).toBeLessThan(f.bytes.length);
      expect(await store.size(f.name)).toBeNull();
      hub.faults.set(path, { ignoreRange });
      const n0 = hub.log.length;
      const events: DownloadProgress[] = [];
      const res = await downloadCheckpoint(hub.base() + path, { store, onProgress: (p) => events.push(p) });
      expect(res).toMatchObject({ bytes: f.bytes.length, sha256: f.sha, resumedFrom: partial });
      expect(hub.log.slice(n0).map((r) => [r.range, r.status])).toEqual([[`bytes=${partial}-`, ignoreRange ? 200 : 206]]);
      expect(events[0].received).toBe(ignoreRange ? 0 : partial);
      expect(readFileSync(store.path(f.name)).length).toBe(f.bytes.length);
      expect(sha256Hex(new Uint8Array(readFileSync(store.path(f.name))))).toBe(f.sha);
    }
  });

  it('a hash mismatch is rejected naming the file and both hashes; nothing is kept', async () => {
    const store = tmpStore();
    const f = checkpointBytes(300_000);
    const bad = 'test_8xb32_in1k_20261207-deadbeef.pth';
    hub.serve(`/bad/${bad}`, f.bytes);
    const err = await downloadCheckpoint(`${hub.base()}/bad/${bad}`, { store }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(bad);
    expect((err as Error).message).toContain('deadbeef');
    expect((err as Error).message).toContain(f.sha);
    expect(await store.size(bad)).toBeNull();
    expect(await store.partialSize(bad)).toBe(0);
  });

  it('a truncated body is never committed: dropped every time (retries used up), or cut short without a Content-Length', async () => {
    const store = tmpStore();
    const f = checkpointBytes(500_000);
    const path = `/trunc/${f.name}`;
    hub.serve(path, f.bytes, { dropAfter: [100_000, 50_000, 50_000] });
    let last = 0;
    await expect(downloadCheckpoint(hub.base() + path, { store, maxRetries: 2, retryDelayMs: 0, onProgress: (p) => (last = p.received) })).rejects.toThrow(/dropped after .* \(after 2 reconnections; .* kept: run again to resume\)/);
    expect(hub.log.slice(-3).map((r) => r.sent)).toEqual([100_000, 50_000, 50_000]);
    expect(await store.size(f.name)).toBeNull();
    expect(await store.partialSize(f.name)).toBe(last);
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThanOrEqual(200_000);
    expect(await store.list()).toEqual([]);

    const g = checkpointBytes(500_000, 'short_20261207');
    hub.serve(`/trunc/${g.name}`, g.bytes, { endAfter: [123_456] });
    await expect(downloadCheckpoint(`${hub.base()}/trunc/${g.name}`, { store })).rejects.toThrow(new RegExp(`${g.name}: sha256 [0-9a-f]{64} does not start with ${g.sha.slice(0, 8)}`));
    expect(await store.size(g.name)).toBeNull();
    expect(await store.partialSize(g.name)).toBe(0);
  });

  it('clear errors: HTTP status with the URL, an unreachable host, a browser-style TypeError (CORS)', async () => {
    const store = tmpStore();
    const missing = `${hub.base()}/nope/x_20200101-0123abcd.pth`;
    await expect(downloadCheckpoint(missing, { store })).rejects.toThrow(`HTTP 404 Not Found for ${missing} (no such file on this host`);
    const gone = await new LocalHub().start();
    const base = gone.base();
    await gone.stop();
    await expect(downloadCheckpoint(`${base}/x_20200101-0123abcd.pth`, { store })).rejects.toThrow(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*its sha256 must start with 0123abcd/);
    const cors = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(downloadCheckpoint('https://download.openmmlab.com/a/x_20200101-0123abcd.pth', { store, fetch: cors })).rejects.toThrow(
      'the host download.openmmlab.com could not be reached or blocks cross-origin requests: download the file yourself (https://download.openmmlab.com/a/x_20200101-0123abcd.pth) and drop it; its sha256 must start with 0123abcd',
    );
  });

  it('a hub answering as a CDN to another origin (cors): preflight, CORS and CORP headers, Range still served', async () => {
    const cdn = await new LocalHub().start();
    try {
      cdn.cors = true;
      const { bytes, name } = checkpointBytes(1000);
      cdn.serve(`/v/${name}`, bytes);
      const pre = await fetch(`${cdn.base()}/v/${name}`, { method: 'OPTIONS' });
      expect([pre.status, pre.headers.get('access-control-allow-headers'), pre.headers.get('access-control-allow-methods')]).toEqual([204, 'Range', 'GET']);
      const res = await fetch(`${cdn.base()}/v/${name}`, { headers: { Range: 'bytes=600-' } });
      expect(res.status).toBe(206);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.subarray(600));
      expect(['access-control-allow-origin', 'access-control-expose-headers', 'cross-origin-resource-policy'].map((h) => res.headers.get(h))).toEqual(['*', 'Content-Length, Content-Range', 'cross-origin']);
      const plain = await fetch(`${hub.base()}/nope`);
      expect(plain.headers.get('access-control-allow-origin')).toBeNull(); // off by default
      await plain.arrayBuffer();
    } finally {
      await cdn.stop();
    }
  });

  it('speed on localhost: a 40 MB file made at test time', async () => {
    const store = tmpStore();
    const f = checkpointBytes(40 << 20, 'big_20261207');
    hub.serve(`/big/${f.name}`, f.bytes);
    hub.chunkBytes = 1 << 20;
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const t0 = performance.now();
    const res = await downloadCheckpoint(`${hub.base()}/big/${f.name}`, { store, onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
    const s = (performance.now() - t0) / 1000;
    hub.chunkBytes = 64 << 10;
    expect(res).toMatchObject({ bytes: 40 << 20, sha256: f.sha });
    console.log(`[hub] 40 MB over localhost: ${s.toFixed(2)} s = ${(40 / s).toFixed(1)} MB/s (sha256 and disk writes included); rss +${((peak - rss0) / (1 << 20)).toFixed(1)} MB during the download`);
  });
});

describe('checkpointFor / getModel(name, {pretrained: true})', () => {
  it("downloads the model's weights through the hub (with a path prefix) into the store, then loads offline; same model as the file itself", async () => {
    const store = tmpStore();
    hub.serve(`/mirror${LENET_PATH}`, LENET);
    const ck = await checkpointFor(LENET_MODEL.name, { store, hub: hub.base('/mirror') });
    expect(ck).toMatchObject({ model: LENET_MODEL.name, url: hub.base('/mirror') + LENET_PATH, sha256: LENET_SHA, cached: false });
    expect(ck.checkpoint.name).toBe(keyOf(LENET_MODEL.weights!));
    const direct = await initModel(LENET_MODEL.config!, { data: new Uint8Array(LENET), name: 'lenet5_fashion-mnist.pth' }, { fs: shippedConfigsFS() });
    const viaHub = await getModel(LENET_MODEL.name, { pretrained: true, fs: shippedConfigsFS(), download: { store, hub: 'http://127.0.0.1:9/offline' } });
    try {
      expect(viaHub.checkpoint?.name).toBe(ck.checkpoint.name);
      expect(viaHub.loadReport && viaHub.loadReport.missingKeys).toEqual([]);
      const a = direct.model.stateDict();
      const b = viaHub.model.stateDict();
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [k, t] of a) expect(Array.from(b.get(k)!.data as ArrayLike<number>)).toEqual(Array.from(t.data as ArrayLike<number>));
    } finally {
      direct.model.dispose();
      viaHub.model.dispose();
    }
    await expect(checkpointFor('lenet5_hub-tset_fashion-mnist', { store })).rejects.toThrow(/Did you mean: lenet5_hub-test_fashion-mnist/);
    await expect(getModel('lenet5_1xb32-sgd-coslr-3e_fashion-mnist', { pretrained: true, fs: shippedConfigsFS(), download: { store } })).rejects.toThrow(/not in the model index/);
    expect(existsSync(store.path(ck.key))).toBe(true);
  });
});
