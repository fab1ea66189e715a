import { backend_util, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { CONV_BINARIES } from './conv_binaries';
import { ACTIVATIONS, DESC } from './conv_wat';
import { CONTROL_WORDS, ConvThreadPool, type ConvWorkerSpawner } from './thread_pool';
import { chooseWinograd, transformNamed, winogradTiling, type WinogradMode } from './winograd';
import { WINO, WINO_FILTER, WINOGRAD_CONV_KIND, WINOGRAD_FILTER_KIND, WINOGRAD_TRANSFORMS, type WinogradTransform } from './winograd_wat';

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
  layout: 'direct' | WinogradTransform['name'];
}

/** Where each output pixel (or Winograd tile) of an image reads its taps: sizes, strides, dilations, padding. */
interface Gather {
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  DH: number;
  DW: number;
  top: number;
  left: number;
}

/** Fast convolutions for one WASM backend: the module, its scratch memory and caches, and its threads. */
export class FastConv {
  /** Convolutions run here since the start, and how many of them by Winograd (for tests and the benchmark). */
  calls = 0;
  winogradCalls = 0;
  /** Which 3×3 stride-1 convolutions take the Winograd path (winograd.ts). */
  winograd: WinogradMode = 'auto';
  private readonly run: (desc: number) => void;
  private readonly pack: (src: number, dst: number, k: number, cout: number) => void;
  private readonly desc: number;
  private zero = { ptr: 0, floats: 0 };
  private scratch = { ptr: 0, bytes: 0 };
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

  /** Per image: for each output pixel (or tile) and tap, the byte offset of the input pixel it reads, or -1 (padding). */
  private indirection(g: Gather): number {
    const { H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, top, left } = g;
    const key = [H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, top, left].join(',');
    let ptr = this.indirections.get(key);
    if (ptr === undefined) {
      const taps = KH * KW;
      ptr = this.backend.wasm._malloc(4 * OH * OW * taps);
      const table = new Int32Array(this.heap(), ptr, OH * OW * taps);
      for (let oy = 0, i = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * SH - top + ky * DH;
            for (let kx = 0; kx < KW; kx++, i++) {
              const ix = ox * SW - left + kx * DW;
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

  /**
   * `t` rearranged by `layout` ('direct': a [k, cout] matrix into panels; 'F2'/'F4': a 3×3 HWIO filter through the
   * Winograd filter transform), kept while `t` lives (filters are reused call after call).
   */
  private packedOf(t: TensorInfo, layout: 'direct' | WinogradTransform['name'], k: number, cout: number): number {
    const offset = this.offset(t);
    const hit = this.packed.get(t.dataId);
    if (hit && hit.offset === offset && hit.layout === layout) return hit.ptr;
    for (const [dataId, entry] of this.packed) {
      if (dataId === t.dataId || !this.backend.dataIdMap.has(dataId)) {
        this.backend.wasm._free(entry.ptr);
        this.packed.delete(dataId);
      }
    }
    let ptr: number;
    if (layout === 'direct') {
      ptr = this.backend.wasm._malloc(32 * k * Math.ceil(cout / 8));
      this.pack(offset, ptr, k, cout);
    } else {
      ptr = this.transformedFilter(offset, k, cout, transformNamed(layout));
    }
    this.packed.set(t.dataId, { offset, ptr, layout });
    return ptr;
  }

  /** A 3×3 HWIO filter at `src` through the Winograd filter transform, packed, in new memory (on every thread). */
  private transformedFilter(src: number, cin: number, cout: number, t: WinogradTransform): number {
    const panels = Math.ceil(cout / 8);
    const bytes = 4 * t.alpha ** 2 * 8 * cin * panels;
    const ptr = this.backend.wasm._malloc(bytes);
    if (cout % 8 !== 0) new Uint8Array(this.heap(), ptr, bytes).fill(0); // the last panel's upper half
    const words = new Int32Array(WINO_FILTER.words);
    words[WINO_FILTER.kind] = WINOGRAD_FILTER_KIND + WINOGRAD_TRANSFORMS.indexOf(t);
    words[WINO_FILTER.src] = src;
    words[WINO_FILTER.dst] = ptr;
    words[WINO_FILTER.cin] = cin;
    words[WINO_FILTER.cout] = cout;
    words[WINO_FILTER.panels] = panels;
    words[WINO_FILTER.counter] = 0;
    this.dispatch(words);
    return ptr;
  }

  /** Runs a descriptor on every thread and returns when it is done. */
  private dispatch(words: Int32Array): void {
    new Int32Array(this.heap(), this.desc, words.length).set(words);
    if (this.pool) this.pool.run(this.desc, this.run);
    else this.run(this.desc);
  }

  /** At least `bytes` of scratch for the threads' Winograd slots. */
  private scratchOf(bytes: number): number {
    if (this.scratch.bytes < bytes) {
      if (this.scratch.ptr) this.backend.wasm._free(this.scratch.ptr);
      this.scratch = { ptr: this.backend.wasm._malloc(bytes), bytes };
    }
    return this.scratch.ptr;
  }

  /** y = act(conv(x, filter) + bias), NHWC, on this module. */
  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, info: ConvInfo, activation: keyof typeof ACTIVATIONS): TensorInfo {
    const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: CO } = info;
    const out = this.backend.makeOutput([N, OH, OW, CO], 'float32');
    if (N * OH * OW === 0 || CO === 0) return out;
    const winograd = chooseWinograd(info, this.winograd);
    const words = winograd ? this.winogradWords(x, filter, bias, out, info, activation, winograd) : this.directWords(x, filter, bias, out, info, activation);
    this.dispatch(words);
    this.calls++;
    if (winograd) this.winogradCalls++;
    return out;
  }

  /** The descriptor of a direct (indirect GEMM) convolution. */
  private directWords(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, out: TensorInfo, info: ConvInfo, activation: keyof typeof ACTIVATIONS): Int32Array {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: KH, filterWidth: KW } = info;
    const rows = N * OH * OW;
    const taps = KH * KW;
    const panels = Math.ceil(CO / 8);
    const words = new Int32Array(DESC.words);
    words[DESC.kind] = 0;
    words[DESC.input] = this.offset(x);
    words[DESC.indirection] = this.indirection({ H, W, C, OH, OW, KH, KW, SH: info.strideHeight, SW: info.strideWidth, DH: info.dilationHeight, DW: info.dilationWidth, top: info.padInfo.top, left: info.padInfo.left });
    words[DESC.zero] = this.zeros(C);
    words[DESC.weights] = this.packedOf(filter, 'direct', taps * C, CO);
    words[DESC.bias] = bias ? this.packedOf(bias, 'direct', 1, CO) : 0;
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
    return words;
  }

  /** The descriptor of a Winograd convolution (3×3, stride 1; see winograd_wat.ts). */
  private winogradWords(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, out: TensorInfo, info: ConvInfo, activation: keyof typeof ACTIVATIONS, t: WinogradTransform): Int32Array {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, padInfo } = info;
    const tilesH = Math.ceil(OH / t.m);
    const tilesW = Math.ceil(OW / t.m);
    const panels = Math.ceil(CO / 8);
    const tiles = N * tilesH * tilesW;
    const plan = winogradTiling(tiles, panels, this.threads, C, t.alpha);
    const words = new Int32Array(WINO.words);
    words[WINO.kind] = WINOGRAD_CONV_KIND + WINOGRAD_TRANSFORMS.indexOf(t);
    words[WINO.input] = this.offset(x);
    words[WINO.indirection] = this.indirection({ H, W, C, OH: tilesH, OW: tilesW, KH: t.alpha, KW: t.alpha, SH: t.m, SW: t.m, DH: 1, DW: 1, top: padInfo.top, left: padInfo.left });
    words[WINO.zero] = this.zeros(C);
    words[WINO.weights] = this.packedOf(filter, t.name, C, CO);
    words[WINO.bias] = bias ? this.offset(bias) : 0;
    words[WINO.output] = this.offset(out);
    words[WINO.tiles] = tiles;
    words[WINO.tilesPerImage] = tilesH * tilesW;
    words[WINO.tilesW] = tilesW;
    words[WINO.imageBytes] = 4 * H * W * C;
    words[WINO.cin] = C;
    words[WINO.cout] = CO;
    words[WINO.panels] = panels;
    words[WINO.activation] = ACTIVATIONS[activation];
    words[WINO.outH] = OH;
    words[WINO.outW] = OW;
    words[WINO.block] = plan.block;
    words[WINO.blockPanels] = plan.blockPanels;
    words[WINO.blockCount] = plan.blockCount;
    words[WINO.work] = plan.work;
    words[WINO.counter] = 0;
    words[WINO.slots] = 0;
    words[WINO.scratch] = this.scratchOf(plan.slotBytes * this.threads);
    words[WINO.slotBytes] = plan.slotBytes;
    return words;
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

/** `conv: FMA, 2 threads, Winograd auto` for a backend with fast convolutions, null without. */
export function describeFastConv(backend: object | null | undefined): string | null {
  const fast = backend ? fastConvs.get(backend) : undefined;
  return fast ? `conv: ${fast.fma ? 'FMA' : 'SIMD'}, ${fast.threads} thread${fast.threads === 1 ? '' : 's'}, Winograd ${fast.winograd}` : null;
}
