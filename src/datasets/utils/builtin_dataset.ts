/**
 * Shared by the datasets that read a fixed set of files from a folder (CIFAR, MNIST): the `split` / `test_mode`
 * choice and the search for the expected files, with a message listing every place looked at when they are absent
 * (nothing is ever downloaded at run time).
 */
import type { FileSystem } from '../../fileio/sources';
import { joinPath } from '../../fileio/sources';

/** A way the files may be laid out: a folder (relative to the data root) and the file names expected in it. */
export interface Layout {
  /** What this layout is, for messages ("the extracted binary version"). */
  label: string;
  folder: string;
  files: string[];
  /** Which reader the files need (e.g. 'binary' or 'pickle'), when a dataset has several formats. */
  kind?: string;
}

/**
 * MMPretrain 1.x picks the split with `split`, 0.x with `test_mode`; when `split` is not given, `test_mode`
 * decides, so both generations of configs read the intended set.
 */
export function resolveSplit(who: string, split: string | undefined, testMode: boolean, allowed: readonly string[]): string {
  const s = split ?? (testMode ? 'test' : 'train');
  if (!allowed.includes(s)) throw new Error(`${who}: the split must be one of ${allowed.map((x) => `'${x}'`).join(', ')}, got '${s}'`);
  return s;
}

/**
 * The first layout whose files all exist under `root`; otherwise an error naming every expected path and
 * where the dataset can be obtained.
 */
export async function findLayout(fs: FileSystem, who: string, root: string, layouts: Layout[], source: string): Promise<{ layout: Layout; paths: string[] }> {
  for (const layout of layouts) {
    const paths = layout.files.map((f) => joinPath(root, layout.folder, f));
    const found = await Promise.all(paths.map((p) => fs.exists(p)));
    if (found.every(Boolean)) return { layout, paths };
  }
  const lines = layouts.map((l) => `  - ${l.label}: ${l.files.map((f) => joinPath(root, l.folder, f)).join(', ')}`);
  throw new Error(
    `${who}: dataset files not found under '${root || '.'}'. Expected one of:\n${lines.join('\n')}\n` +
      `Get them from ${source} and place (or drop) them there; nothing is downloaded at run time.`,
  );
}
