/** Drop `.py` files or a folder (with their `_base_` files), or pick them: files or a whole folder. */
import { useRef, useState, type DragEvent } from 'react';
import { readDataTransfer, readFileList } from './readDrop';
import type { DroppedFile } from './studioFs';

export function DropZone({ onFiles }: { onFiles: (files: DroppedFile[]) => void }) {
  const [over, setOver] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const accept = (files: DroppedFile[]) => {
    setNote(files.length ? null : 'No .py files in what was dropped.');
    onFiles(files);
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    accept(await readDataTransfer(e.dataTransfer));
  };
  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}`}
      data-testid="config-dropzone"
      onDragOver={(e) => (e.preventDefault(), setOver(true))}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
    >
      <p>
        Drop <code>.py</code> configs here, with their <code>_base_</code> files or as a folder.
      </p>
      <div className="row">
        <button type="button" className="secondary" onClick={() => filesInput.current?.click()}>
          Choose files…
        </button>
        <button type="button" className="secondary" onClick={() => folderInput.current?.click()}>
          Choose a folder…
        </button>
      </div>
      <input
        ref={filesInput}
        type="file"
        accept=".py"
        multiple
        hidden
        aria-label="Config files"
        data-testid="config-file-input"
        onChange={async (e) => (accept(await readFileList(e.target.files ?? [])), (e.target.value = ''))}
      />
      <input
        ref={(el) => {
          folderInput.current = el;
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        hidden
        aria-label="Config folder"
        data-testid="config-folder-input"
        onChange={async (e) => (accept(await readFileList(e.target.files ?? [])), (e.target.value = ''))}
      />
      {note && <p className="muted">{note}</p>}
    </div>
  );
}
