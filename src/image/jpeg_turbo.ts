/**
 * libjpeg-turbo (compiled to WebAssembly, the `jpeg-turbo.wasm` of `@cwasm/jpeg-turbo`) driven through its
 * TurboJPEG API: decodes exactly as `cv2.imread` / `cv2.imdecode` (libjpeg-turbo, accurate integer IDCT,
 * fancy upsampling), so pipelines that start with `LoadImageFromFile` match MMPretrain bit for bit.
 * In Node the module is loaded synchronously on first use; pages and workers call {@link initJpegTurbo}
 * (see `jpeg_turbo.browser.ts`). Without it, decoding falls back to the pure-JS `jpeg-js`.
 */
import type { RawPixels } from './io';

interface TurboExports {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(h: number, src: number, size: number, w: number, hgt: number, sub: number, cs: number): number;
  tjDecompress2(h: number, src: number, size: number, dst: number, w: number, pitch: number, hgt: number, pf: number, flags: number): number;
  tjDestroy(h: number): number;
}

const TJPF_RGB = 0;
const TJPF_GRAY = 6;
const TJCS_GRAY = 2;

let turbo: TurboExports | null = null;
let nodeTried = false;

function instantiate(module: WebAssembly.Module): TurboExports {
  const fail = (what: string) => () => {
    throw new Error(`jpeg-turbo: ${what} is not available`);
  };
  const instance = new WebAssembly.Instance(module, {
    env: { setjmp: () => 0, longjmp: fail('longjmp') },
    wasi_snapshot_preview1: {
      environ_sizes_get: () => 0, environ_get: fail('environ_get'), proc_exit: fail('proc_exit'),
      fd_close: fail('fd_close'), fd_seek: fail('fd_seek'), fd_write: fail('fd_write'),
    },
  });
  return instance.exports as unknown as TurboExports;
}

/** Installs the decoder from the wasm bytes or a compiled module (async compile: fine on a page's main thread). */
export async function initJpegTurbo(source: BufferSource | WebAssembly.Module): Promise<void> {
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
  turbo = instantiate(module);
}

/** In Node: loads the wasm from node_modules synchronously (once). */
function loadInNode(): void {
  nodeTried = true;
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (m: string) => unknown } }).process;
  if (!proc?.versions?.node || !proc.getBuiltinModule) return;
  try {
    const mod = proc.getBuiltinModule('node:module') as { createRequire(u: string): { resolve(id: string): string } };
    const fs = proc.getBuiltinModule('node:fs') as { readFileSync(p: string): Uint8Array };
    const path = mod.createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm');
    turbo = instantiate(new WebAssembly.Module(fs.readFileSync(path) as BufferSource));
  } catch {
    turbo = null;
  }
}

/** Whether libjpeg-turbo is ready (loading it in Node on first call). */
export function jpegTurboAvailable(): boolean {
  if (!turbo && !nodeTried) loadInNode();
  return turbo !== null;
}

/** Decodes JPEG bytes to RGB (grey for greyscale JPEGs or when `gray`, libjpeg's luma) with libjpeg-turbo; throws on corrupt data. */
export function decodeJpegTurbo(bytes: Uint8Array, name = '<jpeg>', gray = false): RawPixels {
  if (!jpegTurboAvailable()) throw new Error('jpeg-turbo: not initialised (call initJpegTurbo)');
  const t = turbo!;
  const src = t.malloc(bytes.byteLength);
  new Uint8Array(t.memory.buffer, src, bytes.byteLength).set(bytes);
  const handle = t.tjInitDecompress();
  const meta = t.malloc(16);
  let dst = 0;
  try {
    if (!handle) throw new Error(`${name}: jpeg-turbo could not allocate a decompressor`);
    if (t.tjDecompressHeader3(handle, src, bytes.byteLength, meta, meta + 4, meta + 8, meta + 12) !== 0) {
      throw new Error(`${name}: not a decodable JPEG (bad header)`);
    }
    const [width, height, , colorspace] = new Int32Array(t.memory.buffer, meta, 4);
    const channels = gray || colorspace === TJCS_GRAY ? 1 : 3;
    dst = t.malloc(width * height * channels);
    const status = t.tjDecompress2(handle, src, bytes.byteLength, dst, width, width * channels, height, channels === 1 ? TJPF_GRAY : TJPF_RGB, 0);
    if (status !== 0) throw new Error(`${name}: corrupt or truncated JPEG data`);
    const data = new Uint8Array(t.memory.buffer, dst, width * height * channels).slice();
    return { data, width, height, channels };
  } finally {
    t.free(src);
    t.free(meta);
    if (dst) t.free(dst);
    if (handle) t.tjDestroy(handle);
  }
}
