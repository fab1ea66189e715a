/**
 * The file-source abstraction: one interface over the Node file system, files dropped in a browser tab
 * (with their relative paths), zip / tar / tar.gz archives and single files. It plays the part of mmengine's
 * storage backends (`mmengine.fileio.get`, `exists`, `list_dir_or_file`).
 *
 * Paths inside a source are POSIX-style, relative to the source's root, without a leading `./`.
 */
export interface FileSource {
  /** Human-readable origin used in error messages ("cifar-10-binary.tar.gz", "/data/imagenet", "dropped files"). */
  readonly name: string;
  /**
   * Every file (not folder) under `prefix` (a folder path; '' = the whole source), recursively, as paths relative to
   * the source root, sorted.
   */
  list(prefix?: string): Promise<string[]>;
  /** The bytes of one file; throws an error naming the source and the path when it is absent. */
  read(path: string): Promise<Uint8Array>;
  /** Whether `path` is a file or a folder of this source. */
  exists(path: string): Promise<boolean>;
  /**
   * Immediate sub-folders of `prefix` (names only, sorted). Optional: sources that only know files (archives, drops)
   * derive folders from file paths (see {@link listSubfolders}).
   */
  listDirs?(prefix?: string): Promise<string[]>;
}

/** Thrown when a file is absent; `path` is the path that was asked for. */
export class FileNotFoundError extends Error {
  constructor(
    readonly path: string,
    where: string,
  ) {
    super(`No such file: '${path}' (in ${where})`);
    this.name = 'FileNotFoundError';
  }
}
