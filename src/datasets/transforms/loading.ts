/** mmcv `LoadImageFromFile`: decodes `img_bytes` (or reads `img_path`) into an HWC BGR image. */
import { assert } from '../../utils/assert';
import { COLOR_TYPES, imfrombytes, imfrombytesAsync, type ColorType } from '../../image/io';
import type { ImageArray, PixelData } from '../../image/image';
import { BaseTransform, checkChoice, parseOptions, type Results, type TransformCfg } from './base';

/** Reads a file's bytes by path; Node's reader is installed by default there, pages install their own. */
export type FileReader = (path: string) => Uint8Array;

let fileReader: FileReader | null = null;

/** Installs the reader `LoadImageFromFile` uses for `img_path` when `img_bytes` is absent. */
export function setFileReader(reader: FileReader | null): void {
  fileReader = reader;
}

function defaultReader(): FileReader | null {
  if (fileReader) return fileReader;
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (m: string) => unknown } }).process;
  const fs = proc?.versions?.node ? (proc.getBuiltinModule?.('node:fs') as { readFileSync(p: string): Uint8Array } | undefined) : undefined;
  return fs ? (p) => new Uint8Array(fs.readFileSync(p)) : null;
}

export class LoadImageFromFile extends BaseTransform {
  readonly typeName = 'LoadImageFromFile';
  readonly opts: {
    /** convert to float32; Default: false */
    to_float32: boolean;
    /** 'color', 'grayscale', 'unchanged', …; Default: 'color' */
    color_type: ColorType;
    /** accepted for compatibility: decoding is by the built-in (or installed browser) decoder; Default: 'cv2' */
    imdecode_backend: string;
    /** Default: null */
    file_client_args: unknown;
    /** return null (drop the sample) when the file cannot be read; Default: false */
    ignore_empty: boolean;
    /** Default: null */
    backend_args: unknown;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('LoadImageFromFile', cfg, { to_float32: false, color_type: 'color' as ColorType, imdecode_backend: 'cv2', file_client_args: null, ignore_empty: false, backend_args: null });
    checkChoice(this.opts.color_type, 'LoadImageFromFile.color_type', COLOR_TYPES);
  }

  private bytes(results: Results): { bytes: Uint8Array; name: string } {
    const name = results.img_path ?? '<img_bytes>';
    if (results.img_bytes) return { bytes: results.img_bytes, name };
    assert(results.img_path, () => "LoadImageFromFile: results need 'img_path' or 'img_bytes'");
    const reader = defaultReader();
    assert(reader, () => `LoadImageFromFile: no file reader installed to read '${results.img_path}' (pass img_bytes or call setFileReader)`);
    return { bytes: reader(results.img_path), name };
  }

  private finish(results: Results, img: ImageArray): Results {
    let out: ImageArray<PixelData> = img;
    if (this.opts.to_float32) out = { ...img, data: Float32Array.from(img.data) };
    results.img = out;
    results.img_shape = [img.height, img.width];
    results.ori_shape = [img.height, img.width];
    return results;
  }

  transform(results: Results): Results | null {
    try {
      const { bytes, name } = this.bytes(results);
      return this.finish(results, imfrombytes(bytes, this.opts.color_type, 'bgr', name));
    } catch (e) {
      if (this.opts.ignore_empty) return null;
      throw e;
    }
  }

  override async transformAsync(results: Results): Promise<Results | null> {
    try {
      const { bytes, name } = this.bytes(results);
      return this.finish(results, await imfrombytesAsync(bytes, this.opts.color_type, 'bgr', name));
    } catch (e) {
      if (this.opts.ignore_empty) return null;
      throw e;
    }
  }
}
