/**
 * Files from a drop or a file input, folders included (a dropped `work_dirs/` yields every
 * `…/vis_data/scalars.json` and `*.log.json` inside), with their relative paths.
 */

export interface PickedFile {
  /** Relative path (`exp/20230101_120000/vis_data/scalars.json`) or the bare name. */
  path: string;
  file: File;
}

/** Log files worth reading: `.json` (scalars.json, *.log.json) and `.jsonl`. */
export const isLogFile = (path: string) => /\.(json|jsonl)$/i.test(path);

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns batches until an empty one.
    for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
      for (const e of batch) await walk(e, out);
    }
  }
}

/** Every file of a drop, recursing into dropped folders. */
export async function filesFromDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null)).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files].map((file) => ({ path: file.name, file }));
  const out: PickedFile[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}

/** Files of an `<input type="file" multiple>` (with `webkitdirectory`, their relative paths). */
export function filesFromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}
