/**
 * Reads what the user dropped or picked into `{relativePath, text}` files: `.py` files, folders (recursively, through
 * `webkitGetAsEntry`), or a directory picked with `<input webkitdirectory>` (`webkitRelativePath`).
 */
import type { DroppedFile } from './studioFs';

/** Only config sources are read; anything else in a dropped folder is skipped. */
export function isConfigFile(name: string): boolean {
  return name.endsWith('.py');
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function allEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  // readEntries returns at most ~100 entries per call: read until it returns none.
  for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) out.push(...batch);
  return out;
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: DroppedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isDirectory) {
    for (const child of await allEntries(entry as FileSystemDirectoryEntry)) await walk(child, path, out);
  } else if (entry.isFile && isConfigFile(entry.name)) {
    out.push({ relativePath: path, text: await (await entryFile(entry as FileSystemFileEntry)).text() });
  }
}

/** Files of a drop: folders walked recursively (keeping their relative paths), loose files by name. */
export async function readDataTransfer(dt: DataTransfer): Promise<DroppedFile[]> {
  const out: DroppedFile[] = [];
  const entries = [...dt.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null));
  if (entries.some((e) => e)) {
    for (const entry of entries) if (entry) await walk(entry, '', out);
    return out;
  }
  return readFileList(dt.files);
}

/** Files from `<input type=file multiple>` or `<input webkitdirectory>` (paths from `webkitRelativePath`). */
export async function readFileList(files: FileList | readonly File[]): Promise<DroppedFile[]> {
  const out: DroppedFile[] = [];
  for (const file of [...files]) {
    if (!isConfigFile(file.name)) continue;
    out.push({ relativePath: file.webkitRelativePath || file.name, text: await file.text() });
  }
  return out;
}
