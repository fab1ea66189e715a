import { backend_util, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { CONV_BINARIES } from './conv_binaries';
import { ACTIVATIONS, DESC } from './conv_wat';
import { CONTROL_WORDS, ConvThreadPool, type ConvWorkerSpawner } from './thread_pool';

type ConvInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

/** The parts of tfjs's WASM backend (BackendWasm and its emscripten module) this uses. */
export interface WasmBackendLike {
  wasm: { _malloc(bytes: number): number; _free(ptr: number): void; wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory }; tfjs?: { getThreadsCount(): number } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined; has(dataId: object): boolean };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The tfjs WASM backend's memory: exported by the threaded build, the module's export otherwise. */
export function backendMemory(backend: WasmBackendLike): WebAssembly.Memory | null {
  return backend.wasm.wasmMemory ?? backend.wasm.asm?.memory ?? null;
}

/** Whether this engine runs relaxed SIMD (Chrome ≥ 114; Node 20 once `--experimental-wasm-relaxed-simd` is set). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(decode(CONV_BINARIES.fma_unshared!));
}

interface Packed {
  offset: number; // the source's memory offset when packed (a changed offset means other data)
  ptr: number;
}

/** Fast convolutions for one WASM backend: the module, its scratch memory and caches, and its threads. */
export class FastConv {
  /** Convolutions run here since the start (for tests and the benchmark). */
  calls = 0;
  private readonly run: (desc: number) => void;
  private readonly pack: (src: number, dst: number, k: number, cout: number) => void;
  private readonly desc: number;
  private zero = { ptr: 0, floats: 0 };
  private readonly indirections = new Map<string, number>();
  private readonly packed = new Map<object, Packed>();

  private constructor(
    private readonly backend: WasmBackendLike,
    readonly module: WebAssembly.Module,
    readonly fma: boolean,
    private pool: ConvThreadPool | null,
  ) {
    const instance = new WebAssembly.Instance(module, { env: { memory: backendMemory(backend)! } });
    this.run = instance.exports.run as (desc: number) => void;
    this.pack = instance.exports.pack as (src: number, dst: number, k: number, cout: number) => void;
    this.desc = backend.wasm._malloc(4 * (DESC.words + CONTROL_WORDS));
  }

  /**
   * Null when the backend's memory cannot be reached. `threads` > 1 needs shared memory and `spawn`. `fmaWanted`
   * picks the variant (default: fused multiply-adds where relaxed SIMD runs).
   */
  static async create(backend: WasmBackendLike, threads: number, spawn: ConvWorkerSpawner | null, fmaWanted?: boolean): Promise<FastConv | null> {
    const memory = backendMemory(backend);
    if (!memory) return null;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const fma = fmaWanted ?? relaxedSimdSupported();
    const module = await WebAssembly.compile(decode(CONV_BINARIES[`${fma ? 'fma' : 'simd'}_${shared ? 'shared' : 'unshared'}`]!));
    const conv = new FastConv(backend, module, fma, null);
    if (shared && threads > 1 && spawn) {
      conv.pool = await ConvThreadPool.start(module, memory, conv.desc + 4 * DESC.words, threads - 1, spawn);
    }
    return conv;
  }

  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  private heap(): ArrayBuffer | SharedArrayBuffer {
    return backendMemory(this.backend)!.buffer;
  }

  private offset(t: TensorInfo): number {
    const data = this.backend.dataIdMap.get(t.dataId);
    if (!data) throw new Error('FastConv: a tensor has no data on this backend');
    return data.memoryOffset;
  }

  private zeros(floats: number): number {
    if (this.zero.floats < floats) {
      if (this.zero.ptr) this.backend.wasm._free(this.zero.ptr);
      this.zero = { ptr: this.backend.wasm._malloc(4 * floats), floats };
      new Float32Array(this.heap(), this.zero.ptr, floats).fill(0);
    }
    return this.zero.ptr;
  }

  /** Per image: for each output pixel and tap, the byte offset of the input pixel it reads, or -1 (padding). */
  private indirection(info: ConvInfo): number {
    const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW, padInfo } = info;
    const key = [H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, padInfo.top, padInfo.left].join(',');
    let ptr = this.indirections.get(key);
    if (ptr === undefined) {
      const taps = KH * KW;
      ptr = this.backend.wasm._malloc(4 * OH * OW * taps);
      const table = new Int32Array(this.heap(), ptr, OH * OW * taps);
      for (let oy = 0, i = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * SH - padInfo.top + ky * DH;
            for (let kx = 0; kx < KW; kx++, i++) {
              const ix = ox * SW - padInfo.left + kx * DW;
              table[i] = iy >= 0 && iy < H && ix >= 0 && ix < W ? 4 * C * (iy * W + ix) : -1;
            }
          }
        }
      }
      this.indirections.set(key, ptr);
    }
    return ptr;
  }

  /** Packed filters and biases held now (each freed once its tensor is gone). */
  get packedCount(): number {
    return this.packed.size;
  }

  /** `t` ([k, cout] in memory) packed into panels, kept while `t` lives (filters are reused call after call). */
  private packedOf(t: TensorInfo, k: number, cout: number): number {
    const offset = this.offset(t);
    const hit = this.packed.get(t.dataId);
    if (hit && hit.offset === offset) return hit.ptr;
    for (const [dataId, entry] of this.packed) {
      if (dataId === t.dataId || !this.backend.dataIdMap.has(dataId)) {
        this.backend.wasm._free(entry.ptr);
        this.packed.delete(dataId);
      }
    }
    const ptr = this.backend.wasm._malloc(32 * k * Math.ceil(cout / 8));
    this.pack(offset, ptr, k, cout);
    this.packed.set(t.dataId, { offset, ptr });
    return ptr;
  }

  /** y = act(conv(x, filter) + bias), NHWC, on this module. */
  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, info: ConvInfo, activation: keyof typeof ACTIVATIONS): TensorInfo {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: KH, filterWidth: KW } = info;
    const out = this.backend.makeOutput([N, OH, OW, CO], 'float32');
    const rows = N * OH * OW;
    if (rows === 0 || CO === 0) return out;
    const taps = KH * KW;
    const panels = Math.ceil(CO / 8);
    const words = new Int32Array(DESC.words);
    words[DESC.input] = this.offset(x);
    words[DESC.indirection] = this.indirection(info);
    words[DESC.zero] = this.zeros(C);
    words[DESC.weights] = this.packedOf(filter, taps * C, CO);
    words[DESC.bias] = bias ? this.packedOf(bias, 1, CO) : 0;
    words[DESC.output] = this.offset(out);
    words[DESC.rows] = rows;
    words[DESC.pixels] = OH * OW;
    words[DESC.imageBytes] = 4 * H * W * C;
    words[DESC.taps] = taps;
    words[DESC.cin] = C;
    words[DESC.cout] = CO;
    words[DESC.panels] = panels;
    words[DESC.activation] = ACTIVATIONS[activation];
    const tiles = tiling(rows, panels, this.threads, taps * C);
    words[DESC.tileRows] = tiles.tileRows;
    words[DESC.tilePanels] = tiles.tilePanels;
    words[DESC.rowTiles] = tiles.rowTiles;
    words[DESC.tiles] = tiles.tiles;
    words[DESC.counter] = 0;
    new Int32Array(this.heap(), this.desc, DESC.words).set(words);
    if (this.pool) this.pool.run(this.desc, this.run);
    else this.run(this.desc);
    this.calls++;
    return out;
  }

  dispose(): void {
    this.pool?.dispose();
    this.pool = null;
  }
}

/** Bytes of packed filter one tile may stream per row group: past this the panels no longer stay in L2. */
const PANEL_BYTES_PER_TILE = 512 * 1024;

/**
 * Tiles: up to 64 rows by as many panels as keep the tile's filter slice (32·k bytes a panel) in L2, since each
 * 4-row group streams all of them; when that makes too few tiles for the threads (late stages, batch 1), the
 * rows and then the panels are split further.
 */
export function tiling(rows: number, panels: number, threads: number, k: number): { tileRows: number; tilePanels: number; rowTiles: number; tiles: number } {
  const wanted = threads === 1 ? 1 : 4 * threads;
  const tileRows = Math.max(4, Math.min(64, 4 * Math.ceil(rows / wanted / 4)));
  const rowTiles = Math.ceil(rows / tileRows);
  const fitting = Math.max(1, Math.floor(PANEL_BYTES_PER_TILE / (32 * k)));
  const forThreads = rowTiles >= wanted ? panels : Math.max(1, Math.ceil(panels / Math.ceil(wanted / rowTiles)));
  const tilePanels = Math.min(fitting, forThreads);
  return { tileRows, tilePanels, rowTiles, tiles: rowTiles * Math.ceil(panels / tilePanels) };
}

/** The FastConv of a backend, once installed. */
export const fastConvs = new WeakMap<KernelBackend | object, FastConv>();

/** `conv: FMA, 2 threads` for a backend with fast convolutions, null without. */
export function describeFastConv(backend: object | null | undefined): string | null {
  const fast = backend ? fastConvs.get(backend) : undefined;
  return fast ? `conv: ${fast.fma ? 'FMA' : 'SIMD'}, ${fast.threads} thread${fast.threads === 1 ? '' : 's'}` : null;
}
