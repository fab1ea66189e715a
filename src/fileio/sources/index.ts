/**
 * File sources: the Node file system, in-memory drops, zip / tar / tar.gz archives and single files, behind one
 * {@link FileSource} interface and the mount table {@link FileSystem} (`fileSystem.get(path)` is mmengine's
 * `fileio.get`). Engine code that reads a file by path (datasets, `LoadImageFromFile`) goes through `fileSystem`.
 */
export type { FileSource } from './types';
export { FileNotFoundError } from './types';
export { normalizePath, joinPath, isAbsolute, basename, dirname, relativeTo } from './path';
export { PathIndex } from './path_index';
export { MemorySource, singleFileSource, type BlobLike, type MemoryEntry } from './memory_source';
export { NodeFsSource, hasNodeFs } from './node_source';
export { ZipSource, TarSource, openArchive, openArchiveAsync, isArchiveName, maybeGunzip, maybeGunzipAsync, ARCHIVE_NAME } from './archive_sources';
export { FileSystem, fileSystem } from './file_system';
export {
  sourceFromFiles,
  sourceFromDropEntries,
  sourceFromDirectoryHandle,
  type FileLike,
  type DropEntry,
  type DirectoryHandleLike,
  type FileHandleLike,
} from './browser_drops';
