/**
 * Turning what a browser gives into a {@link MemorySource}, without touching the DOM (the shapes are structural, so
 * this module also runs in workers and Node tests):
 * - a `FileList` from `<input type="file" webkitdirectory>` (each `File` has `webkitRelativePath`),
 * - entries from a directory drag-and-drop (`DataTransferItem.webkitGetAsEntry()`),
 * - a directory handle from `showDirectoryPicker()` (File System Access API).
 * Files are not read here: each becomes a lazily read blob entry.
 */
import { MemorySource, type BlobLike, type MemoryEntry } from './memory_source';
import { normalizePath } from './path';

/** A `File`: a blob with a name, and its relative path when it came from a folder. */
export interface FileLike extends BlobLike {
  readonly name: string;
  readonly webkitRelativePath?: string;
}

/** Files from a picker or a drop of plain files; paths are `webkitRelativePath` (or the name). */
export function sourceFromFiles(files: Iterable<FileLike> | ArrayLike<FileLike>, name = 'dropped files'): MemorySource {
  const entries = new Map<string, MemoryEntry>();
  for (const f of Array.from(files as ArrayLike<FileLike>)) entries.set(normalizePath(f.webkitRelativePath || f.name), f);
  return new MemorySource(entries, name);
}

/** The `FileSystemEntry` shape of a directory drag-and-drop (`webkitGetAsEntry()`). */
export interface DropEntry {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
  readonly fullPath: string;
  file?(success: (file: FileLike) => void, error?: (e: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: DropEntry[]) => void, error?: (e: unknown) => void): void };
}

async function readAllEntries(dir: DropEntry): Promise<DropEntry[]> {
  const reader = dir.createReader!();
  const out: DropEntry[] = [];
  // readEntries returns batches (Chromium: 100 at a time) until an empty one.
  for (;;) {
    const batch = await new Promise<DropEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return out;
    out.push(...batch);
  }
}

/** Walks dropped entries (files and folders, recursively) into a source; paths keep the dropped folder names. */
export async function sourceFromDropEntries(roots: DropEntry[], name = 'dropped files'): Promise<MemorySource> {
  const entries = new Map<string, MemoryEntry>();
  const walk = async (e: DropEntry): Promise<void> => {
    if (e.isFile && e.file) {
      const file = await new Promise<FileLike>((resolve, reject) => e.file!(resolve, reject));
      entries.set(normalizePath(e.fullPath.replace(/^\//, '') || e.name), file);
    } else if (e.isDirectory && e.createReader) {
      for (const child of await readAllEntries(e)) await walk(child);
    }
  };
  for (const r of roots) await walk(r);
  return new MemorySource(entries, name);
}

/** The File System Access API handle shape (`showDirectoryPicker()`). */
export interface DirectoryHandleLike {
  readonly kind: 'directory';
  readonly name: string;
  values(): AsyncIterable<DirectoryHandleLike | FileHandleLike>;
}

export interface FileHandleLike {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<FileLike>;
}

/** A picked directory as a source: paths start with the directory's name, files are read when first asked for. */
export async function sourceFromDirectoryHandle(handle: DirectoryHandleLike): Promise<MemorySource> {
  const entries = new Map<string, MemoryEntry>();
  const walk = async (dir: DirectoryHandleLike, prefix: string): Promise<void> => {
    for await (const child of dir.values()) {
      const path = `${prefix}/${child.name}`;
      if (child.kind === 'file') entries.set(path, async () => new Uint8Array(await (await child.getFile()).arrayBuffer()));
      else await walk(child, path);
    }
  };
  await walk(handle, handle.name);
  return new MemorySource(entries, handle.name);
}
