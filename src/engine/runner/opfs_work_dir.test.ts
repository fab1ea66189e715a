import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import { deleteWorkDir, keepDatasetCopy, listWorkDirNames, openBrowserWorkDir, OpfsWorkDir, readDatasetCopy, zipWorkDir } from './opfs_work_dir';

/** An in-memory stand-in for OPFS handles with the same failure names (NotFoundError, TypeMismatchError). */
class FakeDir {
  readonly kind = 'directory' as const;
  readonly children = new Map<string, FakeDir | FakeFile>();
  constructor(readonly name: string) {}
  private missing(n: string): never {
    throw Object.assign(new Error(`${n} not found`), { name: 'NotFoundError' });
  }
  async getDirectoryHandle(n: string, o: { create?: boolean } = {}) {
    const c = this.children.get(n);
    if (c instanceof FakeDir) return c;
    if (c) throw Object.assign(new Error('a file'), { name: 'TypeMismatchError' });
    if (!o.create) this.missing(n);
    const d = new FakeDir(n);
    this.children.set(n, d);
    return d;
  }
  async getFileHandle(n: string, o: { create?: boolean } = {}) {
    const c = this.children.get(n);
    if (c instanceof FakeFile) return c;
    if (c) throw Object.assign(new Error('a dir'), { name: 'TypeMismatchError' });
    if (!o.create) this.missing(n);
    const f = new FakeFile(n);
    this.children.set(n, f);
    return f;
  }
  async removeEntry(n: string) {
    if (!this.children.delete(n)) this.missing(n);
  }
  async *values() {
    yield* this.children.values();
  }
}

class FakeFile {
  readonly kind = 'file' as const;
  data = new Uint8Array();
  constructor(readonly name: string) {}
  async getFile() {
    return new Blob([this.data as BlobPart]);
  }
  async createWritable() {
    const parts: (Uint8Array | Blob | string)[] = [];
    return {
      write: async (d: Uint8Array | Blob | string) => void parts.push(d),
      close: async () => {
        this.data = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
      },
    };
  }
}

let root: FakeDir;

beforeEach(() => {
  root = new FakeDir('');
  vi.stubGlobal('navigator', { storage: { getDirectory: async () => root } });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('work dirs in OPFS', () => {
  it('writes, appends, reads, lists, removes; keeps a dataset copy; zips without it; deletes', async () => {
    const store = await openBrowserWorkDir('lenet5_mnist');
    expect(store).toBeInstanceOf(OpfsWorkDir);
    expect(store.root).toBe('opfs:work_dirs/lenet5_mnist');
    await store.write('epoch_1.pth', new Uint8Array([1, 2, 3]));
    await store.write('last_checkpoint', 'opfs:work_dirs/lenet5_mnist/epoch_1.pth');
    // Appends issued without awaiting each land in order.
    await Promise.all(['a\n', 'b\n', 'c\n'].map((t) => store.append('20261122_040000/vis_data/scalars.json', t)));
    expect(strFromU8((await store.read('20261122_040000/vis_data/scalars.json'))!)).toBe('a\nb\nc\n');
    expect(await store.read('nope.pth')).toBeNull();
    expect(await store.read('nodir/nope.pth')).toBeNull();
    await store.remove('nope.pth');
    expect(await keepDatasetCopy(store, [{ path: 'mnist/t10k-images-idx3-ubyte.gz', data: new Blob(['img']) }, { path: 'labels.gz', data: new Uint8Array([7]) }])).toBe(true);
    expect(await store.list()).toEqual(['.studio_dataset/labels.gz', '.studio_dataset/mnist/t10k-images-idx3-ubyte.gz', '20261122_040000/vis_data/scalars.json', 'epoch_1.pth', 'last_checkpoint']);
    const copy = await readDatasetCopy(store);
    expect(copy.map((f) => f.path)).toEqual(['labels.gz', 'mnist/t10k-images-idx3-ubyte.gz']);
    expect(await copy[1].data.text()).toBe('img');

    const zip = unzipSync(await zipWorkDir(store, 'lenet5_mnist'));
    expect(Object.keys(zip).sort()).toEqual(['lenet5_mnist/20261122_040000/vis_data/scalars.json', 'lenet5_mnist/epoch_1.pth', 'lenet5_mnist/last_checkpoint']);
    expect([...zip['lenet5_mnist/epoch_1.pth']]).toEqual([1, 2, 3]);

    // A second handle on the same work dir (the page while the worker writes) sees the files.
    const again = await openBrowserWorkDir('lenet5_mnist');
    await again.remove('epoch_1.pth');
    expect(await store.list('epoch')).toEqual([]);
    expect(await listWorkDirNames()).toEqual(['lenet5_mnist']);
    await deleteWorkDir('lenet5_mnist');
    expect(await listWorkDirNames()).toEqual([]);
    await expect(openBrowserWorkDir('../x')).rejects.toThrow(/invalid work dir name/);
  });
});
