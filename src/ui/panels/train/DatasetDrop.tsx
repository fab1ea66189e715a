/**
 * Drop zone for dataset files: loose files (`t10k-images-idx3-ubyte.gz`), archives (`cifar-10-binary.tar.gz`, `.zip`)
 * or folders (walked recursively). Lists what the config's loaders expect, and what was dropped.
 */
import { useRef, useState, type DragEvent } from 'react';
import type { DatasetFile } from '../../../engine/runner/worker_protocol';
import type { DatasetExpectation } from './datasetFiles';

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: DatasetFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    out.push({ path, data: await entryFile(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const child of batch) await walk(child, path, out);
    }
  }
}

/** Files of a drop: folders walked (keeping their relative paths), loose files by name. */
async function readDrop(dt: DataTransfer): Promise<DatasetFile[]> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null)).filter((e): e is FileSystemEntry => !!e);
  if (!entries.length) return [...dt.files].map((f) => ({ path: f.name, data: f }));
  const out: DatasetFile[] = [];
  for (const e of entries) await walk(e, '', out);
  return out;
}

const fromFileList = (files: FileList | null): DatasetFile[] => [...(files ?? [])].map((f) => ({ path: f.webkitRelativePath || f.name, data: f }));

function size(files: DatasetFile[]): string {
  const bytes = files.reduce((a, f) => a + (f.data instanceof Blob ? f.data.size : f.data.byteLength), 0);
  return bytes > 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

export function DatasetDrop({ expectations, files, onFiles }: { expectations: DatasetExpectation[]; files: DatasetFile[]; onFiles: (f: DatasetFile[]) => void }) {
  const [over, setOver] = useState(false);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    onFiles(await readDrop(e.dataTransfer));
  };
  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}`}
      data-testid="train-dataset-dropzone"
      onDragOver={(e) => (e.preventDefault(), setOver(true))}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
    >
      <p>Drop the dataset here: files, an archive or a folder. Nothing is uploaded; files are read in the training worker.</p>
      {expectations.length > 0 && (
        <ul className="train-expect" aria-label="Dataset files the config expects">
          {expectations.map((x, i) => (
            <li key={i}>
              <code>{x.loader}</code>: {x.type} ({x.split} split) reads {x.files.join(', ')} from <code>{x.root || '.'}</code>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="button" className="secondary" onClick={() => filesInput.current?.click()}>
          Choose files…
        </button>
        <button type="button" className="secondary" onClick={() => folderInput.current?.click()}>
          Choose a folder…
        </button>
        {files.length > 0 && (
          <button type="button" className="secondary" onClick={() => onFiles([])}>
            Clear
          </button>
        )}
      </div>
      <input ref={filesInput} type="file" multiple hidden aria-label="Dataset files" data-testid="train-dataset-input" onChange={(e) => (onFiles(fromFileList(e.target.files)), (e.target.value = ''))} />
      <input
        ref={(el) => {
          folderInput.current = el;
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        hidden
        aria-label="Dataset folder"
        onChange={(e) => (onFiles(fromFileList(e.target.files)), (e.target.value = ''))}
      />
      {files.length > 0 && (
        <p className="muted" data-testid="train-dataset-files">
          {files.length} file{files.length > 1 ? 's' : ''} ({size(files)}): {files.slice(0, 6).map((f) => f.path).join(', ')}
          {files.length > 6 ? ', …' : ''}
        </p>
      )}
    </div>
  );
}
