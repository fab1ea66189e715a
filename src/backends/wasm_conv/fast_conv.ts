import { backend_util, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { CONV_BINARIES } from './conv_binaries';
import { ACTIVATIONS, DESC } from './conv_wat';
import { AFFINE, AFFINE_KIND } from './affine_wat';
import { DEPTHWISE, DEPTHWISE_KIND } from './depthwise_wat';
import { ELEMENTWISE, ELEMENTWISE_KIND, ELEMENTWISE_OPS } from './elementwise_wat';
import { GELU_CONSTANTS } from './gelu_wat';
import { LAYER_NORM_DESC, LAYER_NORM_KIND } from './layer_norm_wat';
import { SILU_CONSTANTS } from './silu_wat';
import { CONTROL_WORDS, ConvThreadPool, type ConvWorkerSpawner } from './thread_pool';
import { chooseWinograd, filterGradientFits, transformNamed, winogradTiling, type WinogradMode } from './winograd';
import { WGRAD_DY, WGRAD_INPUT, WGRAD_KINDS, WGRAD_OUTPUT } from './winograd_grad_wat';
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

/** The byte address of `t`'s data in the backend's memory. */
export function memoryOffset(backend: WasmBackendLike, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('wasm kernels: a tensor has no data on this backend');
  return data.memoryOffset;
}

/** Whether this engine runs relaxed SIMD (Chrome ≥ 114; Node 20 once `--experimental-wasm-relaxed-simd` is set). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(decode(CONV_BINARIES.fma_unshared!));
}

interface Packed {
  offset: number; // the source's memory offset when packed (a changed offset means other data)
  ptr: number;
  layout: PackLayout;
}

/** How a packed matrix was read: [k, cout] ('direct'), its transpose [cout, k] ('transposed', a Linear weight), or a 3×3 filter through a Winograd transform. */
type PackLayout = 'direct' | 'transposed' | WinogradTransform['name'];

/** An i32 descriptor of `layout` (word offsets; `words`, its length) with `values` set and every other word 0. */
function descriptor<L extends { words: number }>(layout: L, values: { [K in Exclude<keyof L, 'words'>]?: number }): Int32Array {
  const words = new Int32Array(layout.words);
  for (const [key, value] of Object.entries(values)) words[(layout as unknown as Record<string, number>)[key]!] = value as number;
  return words;
}

/** One run of the direct kernel: addresses and sizes (see DESC in conv_wat.ts). */
interface Gemm {
  input: number;
  indirection: number;
  zero: number;
  weights: number;
  bias: number;
  output: number;
  rows: number;
  pixels: number;
  imageBytes: number;
  taps: number;
  cin: number;
  cout: number;
  activation: number;
  /** Floats between output rows (default `cout`). */
  outStride?: number;
  /** Independent GEMMs of this shape in one dispatch, group g's operands g times these bytes further (DESC.groups). */
  groups?: number;
  groupInput?: number;
  groupWeights?: number;
  groupBias?: number;
  groupOutput?: number;
}

/** A grouped convolution's packed filter and bias: group g's at `weights + g·weightBytes`, `bias + g·biasBytes`. */
interface GroupPacks {
  offset: number;
  biasId: object | null;
  groups: number;
  weights: number;
  bias: number;
  weightBytes: number;
  biasBytes: number;
}

/** Floats an element-wise tile covers (256 KiB in and out); an array shorter than one runs on the calling thread. */
const ELEMENTWISE_TILE = 1 << 16;

/** Multiply-adds under which one product of a batch runs on the calling thread only (about 50 µs of work). */
const SMALL_PRODUCT = 1 << 19;

/** The filter gradient's operands stay within this (else the composite of convolutions runs). */
const GRADIENT_SCRATCH_BYTES = 128 * 1024 * 1024;

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

/** A block of the backend's memory that only grows: reallocated (and `fresh` run on it) when asked for more. */
class GrowingBuffer {
  private ptr = 0;
  private bytes = 0;

  constructor(
    private readonly wasm: WasmBackendLike['wasm'],
    private readonly fresh?: (ptr: number, bytes: number) => void,
  ) {}

  /** The address of at least `bytes`. */
  reserve(bytes: number): number {
    if (this.bytes < bytes) {
      if (this.ptr) this.wasm._free(this.ptr);
      this.ptr = this.wasm._malloc(bytes);
      this.bytes = bytes;
      this.fresh?.(this.ptr, bytes);
    }
    return this.ptr;
  }
}

/** Fast convolutions for one WASM backend: the module, its scratch memory and caches, and its threads. */
export class FastConv {
  /** Convolutions run here since the start, and how many of them by Winograd (for tests and the benchmark). */
  calls = 0;
  winogradCalls = 0;
  /** Filter gradients computed here (Winograd F(3×3, 2×2)). */
  gradientCalls = 0;
  /** Which 3×3 stride-1 convolutions take the Winograd path (winograd.ts). */
  winograd: WinogradMode = 'auto';
  private readonly run: (desc: number) => void;
  private readonly pack: (src: number, dst: number, k: number, cout: number) => void;
  /** The constants GELU and SiLU read (gelu_wat.ts, silu_wat.ts), each in four lanes. */
  private readonly geluTable: number;
  private readonly siluTable: number;
  private readonly meanRowsRun: (src: number, dst: number, rows: number, channels: number) => void;
  private readonly desc: number;
  /** Zeros read for padding, the threads' Winograd slots, the filter gradient's operands. */
  private readonly zero: GrowingBuffer;
  private readonly scratch: GrowingBuffer;
  private readonly gradientScratch: GrowingBuffer;
  /** The right matrix of one product of a batch, packed (see {@link matMulBatch}). */
  private readonly productScratch: GrowingBuffer;
  /** The per-channel mean, scale and shift of {@link batchNorm}. */
  private readonly affineScratch: GrowingBuffer;
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
    this.geluTable = this.constantTable(GELU_CONSTANTS);
    this.siluTable = this.constantTable(SILU_CONSTANTS);
    this.meanRowsRun = instance.exports.mean_rows as (src: number, dst: number, rows: number, channels: number) => void;
    this.desc = backend.wasm._malloc(4 * (DESC.words + CONTROL_WORDS));
    this.zero = new GrowingBuffer(backend.wasm, (ptr, bytes) => new Uint8Array(this.heap(), ptr, bytes).fill(0));
    this.scratch = new GrowingBuffer(backend.wasm);
    this.gradientScratch = new GrowingBuffer(backend.wasm);
    this.productScratch = new GrowingBuffer(backend.wasm);
    this.affineScratch = new GrowingBuffer(backend.wasm);
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

  /** `values`, each in four lanes, in new memory of the backend's (kept for the module's life). */
  private constantTable(values: readonly number[]): number {
    const ptr = this.backend.wasm._malloc(16 * values.length);
    new Float32Array(this.heap(), ptr, 4 * values.length).set(values.flatMap((v) => [v, v, v, v]));
    return ptr;
  }

  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** How long the pool's waiting threads spin before they sleep (ConvThreadPool.spin; 0 without a pool). */
  get spin(): number {
    return this.pool?.spin ?? 0;
  }

  set spin(checks: number) {
    if (this.pool) this.pool.spin = checks;
  }

  private heap(): ArrayBuffer | SharedArrayBuffer {
    return backendMemory(this.backend)!.buffer;
  }

  private offset(t: TensorInfo): number {
    return memoryOffset(this.backend, t);
  }

  /** At least `floats` zero floats. */
  private zeros(floats: number): number {
    return this.zero.reserve(4 * floats);
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
   * Frees every packed filter and bias: after tensors were overwritten in place (a checkpoint streamed into the
   * model's variables, `backends/in_place.ts`), their packings keyed by storage would be stale.
   */
  forgetPacked(): void {
    for (const { ptr } of this.packed.values()) this.backend.wasm._free(ptr);
    this.packed.clear();
    for (const entry of this.grouped.values()) this.freeGroupPacks(entry);
    this.grouped.clear();
  }

  /**
   * `t` rearranged by `layout` ('direct': a [k, cout] matrix into panels; 'F2'/'F4': a 3×3 HWIO filter through the
   * Winograd filter transform), kept while `t` lives (filters are reused call after call).
   */
  private packedOf(t: TensorInfo, layout: PackLayout, k: number, cout: number): number {
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
    } else if (layout === 'transposed') {
      ptr = this.backend.wasm._malloc(32 * k * Math.ceil(cout / 8));
      this.packTransposed(offset, ptr, k, cout);
    } else {
      ptr = this.transformedFilter(offset, k, cout, transformNamed(layout));
    }
    this.packed.set(t.dataId, { offset, ptr, layout });
    return ptr;
  }

  /** A [cout, k] matrix at `src` (PyTorch's Linear weight) packed as its transpose would be by `pack`: [panel][k][8]. */
  private packTransposed(src: number, dst: number, k: number, cout: number): void {
    const heap = this.heap();
    const from = new Float32Array(heap, src, cout * k);
    const panels = Math.ceil(cout / 8);
    const to = new Float32Array(heap, dst, panels * k * 8);
    for (let p = 0; p < panels; p++) {
      const cols = Math.min(8, cout - 8 * p);
      for (let j = 0; j < 8; j++) {
        const row = (8 * p + j) * k;
        for (let i = 0, at = p * k * 8 + j; i < k; i++, at += 8) to[at] = j < cols ? from[row + i] : 0;
      }
    }
  }

  /** A 3×3 HWIO filter at `src` through the Winograd filter transform, packed, in new memory (on every thread). */
  private transformedFilter(src: number, cin: number, cout: number, t: WinogradTransform): number {
    const panels = Math.ceil(cout / 8);
    const bytes = 4 * t.alpha ** 2 * 8 * cin * panels;
    const ptr = this.backend.wasm._malloc(bytes);
    if (cout % 8 !== 0) new Uint8Array(this.heap(), ptr, bytes).fill(0); // the last panel's upper half
    this.dispatch(descriptor(WINO_FILTER, { kind: WINOGRAD_FILTER_KIND + WINOGRAD_TRANSFORMS.indexOf(t), src, dst: ptr, cin, cout, panels }));
    return ptr;
  }

  /** Runs a descriptor on every thread (or on this one only, where waking the others costs more) and returns when it is done. */
  private dispatch(words: Int32Array, here = false): void {
    new Int32Array(this.heap(), this.desc, words.length).set(words);
    if (this.pool && !here) this.pool.run(this.desc, this.run);
    else this.run(this.desc);
  }

  /**
   * y = act(conv(x, filter) + bias), NHWC, on this module; with `residual` (a tensor of y's shape, cout a multiple of
   * 8: the caller checks), y = act(conv(x, filter) + bias + residual) on the direct path (a bottleneck's last 1×1
   * convolution, its shortcut and ReLU in one pass).
   */
  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, info: ConvInfo, activation: keyof typeof ACTIVATIONS, residual: TensorInfo | null = null): TensorInfo {
    const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: CO } = info;
    const out = this.backend.makeOutput([N, OH, OW, CO], 'float32');
    if (N * OH * OW === 0 || CO === 0) return out;
    const winograd = residual ? null : chooseWinograd(info, this.winograd);
    const words = winograd ? this.winogradWords(x, filter, bias, out, info, activation, winograd) : this.directWords(x, filter, bias, out, info, activation);
    if (residual) words[DESC.residual] = this.offset(residual);
    this.dispatch(words);
    this.calls++;
    if (winograd) this.winogradCalls++;
    return out;
  }

  /**
   * A grouped convolution (1 < groups < channels; ResNeXt, RegNet): y = act(conv(x, filter) + bias) with the input
   * channels and the filter's outputs in `groups` equal slices, NHWC, `filter` [kh, kw, cin/groups, cout]. Each group
   * is a GEMM of the direct kernel reading its channel slice of every input pixel and writing its slice of every
   * output row (`outStride`), with its filter and bias columns packed once per filter tensor; all groups' tiles go
   * in one dispatch (DESC.groups); no split and no concat.
   */
  groupedConv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, info: ConvInfo, groups: number, activation: keyof typeof ACTIVATIONS): TensorInfo {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: KH, filterWidth: KW } = info;
    const out = this.backend.makeOutput([N, OH, OW, CO], 'float32');
    if (N * OH * OW === 0 || CO === 0) return out;
    const [cg, og, taps] = [C / groups, CO / groups, KH * KW];
    const packs = this.groupPacks(filter, bias, taps * cg, CO, groups);
    const indirection = this.indirection({ H, W, C, OH, OW, KH, KW, SH: info.strideHeight, SW: info.strideWidth, DH: info.dilationHeight, DW: info.dilationWidth, top: info.padInfo.top, left: info.padInfo.left });
    const zero = this.zeros(C);
    const [input, output] = [this.offset(x), this.offset(out)];
    // tiles of one group, enough of them for the threads over all groups
    const tiles = tiling(N * OH * OW, Math.ceil(og / 8), Math.max(1, Math.ceil(this.threads / groups)), taps * cg);
    const gemm = { input, indirection, zero, weights: packs.weights, bias: packs.bias, output, groups, groupInput: 4 * cg, groupWeights: packs.weightBytes, groupBias: packs.biasBytes, groupOutput: 4 * og };
    this.dispatch(this.gemmWords({ ...gemm, rows: N * OH * OW, pixels: OH * OW, imageBytes: 4 * H * W * C, taps, cin: cg, cout: og, outStride: CO, activation: ACTIVATIONS[activation] }, tiles));
    this.calls++;
    return out;
  }

  /**
   * A depthwise convolution (channel multiplier 1): y = act(dwconv(x, filter) + bias), NHWC, `filter`
   * [kh, kw, channels, 1] read as it is (depthwise_wat.ts); `channels` a multiple of 4 (the caller checks).
   */
  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, info: ConvInfo, activation: keyof typeof ACTIVATIONS): TensorInfo {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
    const out = this.backend.makeOutput([N, OH, OW, C], 'float32');
    if (N * OH * OW === 0 || C === 0) return out;
    const taps = KH * KW;
    const rows = N * OH * OW;
    const blocks = Math.ceil(C / 8);
    // Small ones (a late stage at batch 1) on this thread alone: waking the pool costs more.
    const here = rows * C * taps < SMALL_PRODUCT;
    const t = tiling(rows, blocks, here ? 1 : this.threads, taps);
    const indirection = this.indirection({ H, W, C, OH, OW, KH, KW, SH: info.strideHeight, SW: info.strideWidth, DH: info.dilationHeight, DW: info.dilationWidth, top: info.padInfo.top, left: info.padInfo.left });
    const zero = this.zeros(C);
    const words = descriptor(DEPTHWISE, {
      kind: DEPTHWISE_KIND,
      input: this.offset(x),
      indirection,
      zero,
      weights: this.offset(filter),
      bias: bias ? this.offset(bias) : 0,
      output: this.offset(out),
      rows,
      pixels: OH * OW,
      imageBytes: 4 * H * W * C,
      taps,
      channels: C,
      blocks,
      activation: ACTIVATIONS[activation],
      tileRows: t.tileRows,
      tileBlocks: t.tilePanels,
      rowTiles: t.rowTiles,
      tiles: t.tiles,
    });
    this.dispatch(words, here);
    this.calls++;
    return out;
  }

  /**
   * Row tiles of a pass over `n` floats in `rows` rows (BatchNorm, LayerNorm): on the calling thread alone below one
   * element-wise tile of work or without a pool, else about four tiles a thread.
   */
  private rowTiles(n: number, rows: number): { here: boolean; tileRows: number; tiles: number } {
    const here = n < ELEMENTWISE_TILE || this.threads === 1;
    const tileRows = Math.max(1, Math.ceil(rows / (here ? 1 : 4 * this.threads)));
    return { here, tileRows, tiles: Math.ceil(rows / tileRows) };
  }

  /**
   * Inference BatchNorm over the last axis as tfjs's FusedBatchNorm: y = (x − mean) · scale / √(variance + eps) +
   * offset, `mean`, `variance` and the optional `scale`, `offset` each [channels]; channels a multiple of 4 (the
   * caller checks). One SIMD pass (affine_wat.ts) with the per-channel factor folded first.
   */
  batchNorm(x: TensorInfo, mean: TensorInfo, variance: TensorInfo, offset: TensorInfo | null, scale: TensorInfo | null, eps: number): TensorInfo {
    const C = x.shape[x.shape.length - 1]!;
    const n = x.shape.reduce((a, b) => a * b, 1);
    const out = this.backend.makeOutput(x.shape, 'float32');
    if (n === 0) return out;
    const params = this.affineScratch.reserve(12 * C);
    // Views after the allocations (they may grow the memory).
    const heap = this.heap();
    const read = (t: TensorInfo) => new Float32Array(heap, this.offset(t), C);
    const [mu, v, o, g] = [read(mean), read(variance), offset && read(offset), scale && read(scale)];
    const m = new Float32Array(heap, params, 3 * C);
    for (let c = 0; c < C; c++) {
      m[c] = mu[c]!;
      m[C + c] = (g ? g[c]! : 1) / Math.sqrt(v[c]! + eps);
      m[2 * C + c] = o ? o[c]! : 0;
    }
    const { here, tileRows, tiles } = this.rowTiles(n, n / C);
    const words = descriptor(AFFINE, { kind: AFFINE_KIND, input: this.offset(x), output: this.offset(out), mean: params, scale: params + 4 * C, shift: params + 8 * C, rows: n / C, channels: C, tileRows, tiles });
    this.dispatch(words, here);
    this.calls++;
    return out;
  }

  /** All groups' packed filter columns (and bias), one group after another, kept while the filter lives (see {@link packedOf}). */
  private readonly grouped = new Map<object, GroupPacks>();

  private groupPacks(filter: TensorInfo, bias: TensorInfo | null, k: number, cout: number, groups: number): GroupPacks {
    const offset = this.offset(filter);
    const hit = this.grouped.get(filter.dataId);
    if (hit && hit.offset === offset && hit.biasId === (bias?.dataId ?? null) && hit.groups === groups) return hit;
    for (const [dataId, entry] of this.grouped) {
      if (dataId === filter.dataId || !this.backend.dataIdMap.has(dataId)) {
        this.freeGroupPacks(entry);
        this.grouped.delete(dataId);
      }
    }
    const og = cout / groups;
    const panels = Math.ceil(og / 8);
    /** Columns [g·og, (g+1)·og) of a [rows, cout] matrix at `src` for every g, each packed as `pack` would pack them. */
    const packColumns = (src: number, rows: number): number => {
      const groupFloats = 8 * rows * panels;
      const ptr = this.backend.wasm._malloc(4 * groups * groupFloats);
      // Views after the allocation (it may grow the memory).
      const heap = new Float32Array(this.heap());
      const to = new Float32Array(this.heap(), ptr, groups * groupFloats);
      for (let g = 0; g < groups; g++) {
        const from = src / 4 + g * og;
        for (let p = 0; p < panels; p++)
          for (let i = 0; i < rows; i++)
            for (let j = 0; j < 8; j++) to[g * groupFloats + (p * rows + i) * 8 + j] = 8 * p + j < og ? heap[from + i * cout + 8 * p + j] : 0;
      }
      return ptr;
    };
    const entry: GroupPacks = {
      offset,
      biasId: bias?.dataId ?? null,
      groups,
      weights: packColumns(offset, k),
      bias: bias ? packColumns(this.offset(bias), 1) : 0,
      weightBytes: 32 * k * panels,
      biasBytes: bias ? 32 * panels : 0,
    };
    this.grouped.set(filter.dataId, entry);
    return entry;
  }

  private freeGroupPacks(entry: GroupPacks): void {
    this.backend.wasm._free(entry.weights);
    if (entry.bias) this.backend.wasm._free(entry.bias);
  }

  /** The descriptor of a direct (indirect GEMM) convolution. */
  private directWords(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, out: TensorInfo, info: ConvInfo, activation: keyof typeof ACTIVATIONS): Int32Array {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: KH, filterWidth: KW } = info;
    const taps = KH * KW;
    return this.gemmWords({
      input: this.offset(x),
      indirection: this.indirection({ H, W, C, OH, OW, KH, KW, SH: info.strideHeight, SW: info.strideWidth, DH: info.dilationHeight, DW: info.dilationWidth, top: info.padInfo.top, left: info.padInfo.left }),
      zero: this.zeros(C),
      weights: this.packedOf(filter, 'direct', taps * C, CO),
      bias: bias ? this.packedOf(bias, 'direct', 1, CO) : 0,
      output: this.offset(out),
      rows: N * OH * OW,
      pixels: OH * OW,
      imageBytes: 4 * H * W * C,
      taps,
      cin: C,
      cout: CO,
      activation: ACTIVATIONS[activation],
    });
  }

  /**
   * Exact GELU (gelu_wat.ts) or SiLU (silu_wat.ts) of the first `n` floats at `x` into `out`, a multiple of four at
   * a time, on every thread where there is work enough; returns how many it did (the caller does the last n mod 4).
   */
  elementwise(op: keyof typeof ELEMENTWISE_OPS, x: TensorInfo, out: TensorInfo, n: number): number {
    const whole = n - (n % 4);
    if (whole === 0) return 0;
    const here = whole < ELEMENTWISE_TILE || this.threads === 1;
    const tileFloats = here ? whole : ELEMENTWISE_TILE;
    const table = op === 'gelu' ? this.geluTable : this.siluTable;
    this.dispatch(descriptor(ELEMENTWISE, { kind: ELEMENTWISE_KIND, op: ELEMENTWISE_OPS[op], src: this.offset(x), dst: this.offset(out), n: whole, table, tileFloats, tiles: Math.ceil(whole / tileFloats) }), here);
    return whole;
  }

  /**
   * LayerNorm over the last axis of `x` (d a multiple of 4; layer_norm_wat.ts), `weight` and `bias` [d] or null,
   * on every thread where there are rows enough, into a new tensor.
   */
  layerNorm(x: TensorInfo, weight: TensorInfo | null, bias: TensorInfo | null, eps: number): TensorInfo {
    const d = x.shape[x.shape.length - 1]!;
    const n = x.shape.reduce((a, b) => a * b, 1);
    const out = this.backend.makeOutput(x.shape, 'float32');
    if (n === 0) return out;
    const { here, tileRows, tiles } = this.rowTiles(n, n / d);
    const epsBits = new Int32Array(new Float32Array([eps]).buffer)[0]!;
    const words = descriptor(LAYER_NORM_DESC, { kind: LAYER_NORM_KIND, input: this.offset(x), output: this.offset(out), weight: weight ? this.offset(weight) : 0, bias: bias ? this.offset(bias) : 0, rows: n / d, d, eps: epsBits, tileRows, tiles });
    this.dispatch(words, here);
    return out;
  }

  /**
   * The mean over the middle axis of `x` seen as [outer, rows, inner] (inner a multiple of 4; mean_wat.ts, this
   * thread), as a tensor of `shape` (outer · inner values).
   */
  meanRows(x: TensorInfo, shape: number[], outer: number, rows: number, inner: number): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    const [src, dst] = [this.offset(x), this.offset(out)];
    for (let o = 0; o < outer; o++) this.meanRowsRun(src + 4 * o * rows * inner, dst + 4 * o * inner, rows, inner);
    this.calls++;
    return out;
  }

  /**
   * `a · b` for an [m, k] `a` and a [k, n] `b`, or `a · bᵀ` for an [n, k] `b` when `bTransposed` (a Linear layer's
   * `x · Wᵀ`): a 1×1 convolution of the direct kernel; `b` is packed once and kept while it lives (a weight).
   */
  matMul(a: TensorInfo, b: TensorInfo, m: number, k: number, n: number, bTransposed: boolean): TensorInfo {
    const out = this.backend.makeOutput([m, n], 'float32');
    if (m * n === 0) return out;
    if (k === 0) {
      new Float32Array(this.heap(), this.offset(out), m * n).fill(0);
      return out;
    }
    const weights = this.packedOf(b, bTransposed ? 'transposed' : 'direct', k, n);
    const indirection = this.indirection({ H: 1, W: m, C: k, OH: 1, OW: m, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, top: 0, left: 0 });
    const g = { input: this.offset(a), indirection, zero: this.zeros(k), weights, bias: 0, output: this.offset(out) };
    this.dispatch(this.gemmWords({ ...g, rows: m, pixels: m, imageBytes: 4 * m * k, taps: 1, cin: k, cout: n, activation: ACTIVATIONS.linear }));
    this.calls++;
    return out;
  }

  /**
   * `out[i] = a[i] · b[i]` for `i < batch`, each an [m, k] · [k, n] row-major float32 product (attention's `Q·Kᵀ`
   * and `·V`), as `[batch, m, n]`. An operand whose `stride` is false is one matrix broadcast over the batch. Each
   * product is a 1×1 convolution of the direct kernel with its own right matrix packed into panels first (k·n
   * floats, 1/m of the product's work), so distinct pairs run at the convolutions' GEMM speed.
   */
  matMulBatch(a: TensorInfo, b: TensorInfo, batch: number, m: number, k: number, n: number, strideA: boolean, strideB: boolean): TensorInfo {
    const out = this.backend.makeOutput([batch, m, n], 'float32');
    if (batch * m * n === 0) return out;
    if (k === 0) {
      new Float32Array(this.heap(), this.offset(out), batch * m * n).fill(0);
      return out;
    }
    const packedBytes = 32 * k * Math.ceil(n / 8);
    const packs = strideB ? batch : 1;
    const weights = this.productScratch.reserve(packs * packedBytes);
    // the reservation may have grown the memory: offsets after it
    const indirection = this.indirection({ H: 1, W: m, C: k, OH: 1, OW: m, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, top: 0, left: 0 });
    const zero = this.zeros(k);
    const [offA, offB, offOut] = [this.offset(a), this.offset(b), this.offset(out)];
    for (let i = 0; i < packs; i++) this.pack(offB + 4 * i * k * n, weights + i * packedBytes, k, n);
    // Every product in one dispatch (DESC.groups); a small batch of small products runs on this thread alone
    // (window attention's 49×32·32×49 ones): waking the pool costs more.
    const here = batch * m * k * n < SMALL_PRODUCT;
    const tiles = tiling(m, Math.ceil(n / 8), here ? 1 : Math.max(1, Math.ceil(this.threads / batch)), k);
    const g = { input: offA, indirection, zero, weights, bias: 0, output: offOut, groups: batch, groupInput: strideA ? 4 * m * k : 0, groupWeights: strideB ? packedBytes : 0, groupOutput: 4 * m * n };
    this.dispatch(this.gemmWords({ ...g, rows: m, pixels: m, imageBytes: 4 * m * k, taps: 1, cin: k, cout: n, activation: ACTIVATIONS.linear }, tiles), here);
    this.calls += batch;
    return out;
  }

  /** The descriptor of the direct kernel for `g`, tiled for this many threads (or as `tiles` says). */
  private gemmWords(g: Gemm, tiles = tiling(g.rows, Math.ceil(g.cout / 8), this.threads, g.taps * g.cin)): Int32Array {
    const groups = g.groups ?? 1;
    return descriptor(DESC, { kind: 0, ...g, outStride: g.outStride ?? g.cout, panels: Math.ceil(g.cout / 8), ...tiles, tiles: tiles.tiles * groups, groups });
  }

  /**
   * dW of a 3×3 stride-1 convolution (x NHWC, dy its output gradient) by Winograd F(3×3, 2×2)
   * (winograd_grad_wat.ts), as [3, 3, cin, cout]; null where that does not apply (see `filterGradientFits`), with
   * Winograd 'off', or where its scratch would pass 128 MiB.
   */
  filterGradient(x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo | null {
    if (this.winograd === 'off' || !filterGradientFits(info)) return null;
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, padInfo } = info;
    const blocksH = Math.ceil(OH / 2);
    const blocksW = Math.ceil(OW / 2);
    const K = N * blocksH * blocksW;
    const panels = Math.ceil(CO / 8);
    const rowFloats = 16 * Math.ceil(K / 16) + 16; // rows 64 bytes off any multiple of 4 KiB
    const xBytes = 4 * 16 * C * rowFloats;
    const xiBytes = 32 * panels * K + 64; // ξ apart by 64 bytes off a multiple of 4 KiB
    const dyBytes = 16 * xiBytes;
    const mBytes = 4 * 16 * C * CO;
    if (xBytes + dyBytes + mBytes > GRADIENT_SCRATCH_BYTES) return null;
    const out = this.backend.makeOutput([3, 3, C, CO], 'float32');
    const xt = this.gradientScratch.reserve(xBytes + dyBytes + mBytes);
    const dt = xt + xBytes;
    const products = dt + dyBytes;
    const zero = this.zeros(Math.max(C, CO, 4));

    this.dispatch(
      descriptor(WGRAD_INPUT, {
        kind: WGRAD_KINDS.input,
        input: this.offset(x),
        indirection: this.indirection({ H, W, C, OH: blocksH, OW: blocksW, KH: 4, KW: 4, SH: 2, SW: 2, DH: 1, DW: 1, top: padInfo.top, left: padInfo.left }),
        zero,
        blocks: K,
        blocksPerImage: blocksH * blocksW,
        imageBytes: 4 * H * W * C,
        cin: C,
        dst: xt,
        rowFloats,
      }),
    );

    if (CO % 8 !== 0) new Uint8Array(this.heap(), dt, dyBytes).fill(0); // the last panel's upper half
    this.dispatch(
      descriptor(WGRAD_DY, { kind: WGRAD_KINDS.dy, dy: this.offset(dy), zero, blocks: K, blocksPerImage: blocksH * blocksW, blocksW, outH: OH, outW: OW, cout: CO, panels, dst: dt, xiBytes }),
    );

    // M[ξ] = X̃[ξ] · D̃[ξ]: the direct kernel with one tap, its rows the input channels (each K floats long).
    const rowsTable = this.indirection({ H: 1, W: C, C: rowFloats, OH: 1, OW: C, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, top: 0, left: 0 });
    const tiles = gradientTiling(C, panels, K, this.threads);
    for (let xi = 0; xi < 16; xi++) {
      this.dispatch(
        this.gemmWords({ input: xt + xi * 4 * C * rowFloats, indirection: rowsTable, zero, weights: dt + xi * xiBytes, bias: 0, output: products + xi * 4 * C * CO, rows: C, pixels: C, imageBytes: 0, taps: 1, cin: K, cout: CO, activation: 0 }, tiles),
      );
    }

    this.dispatch(descriptor(WGRAD_OUTPUT, { kind: WGRAD_KINDS.output, products, dst: this.offset(out), cin: C, cout: CO }));
    this.gradientCalls++;
    return out;
  }

  /** The descriptor of a Winograd convolution (3×3, stride 1; see winograd_wat.ts). */
  private winogradWords(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, out: TensorInfo, info: ConvInfo, activation: keyof typeof ACTIVATIONS, t: WinogradTransform): Int32Array {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, padInfo } = info;
    const tilesH = Math.ceil(OH / t.m);
    const tilesW = Math.ceil(OW / t.m);
    const panels = Math.ceil(CO / 8);
    const tiles = N * tilesH * tilesW;
    const plan = winogradTiling(tiles, panels, this.threads, C, t.alpha);
    return descriptor(WINO, {
      kind: WINOGRAD_CONV_KIND + WINOGRAD_TRANSFORMS.indexOf(t),
      input: this.offset(x),
      indirection: this.indirection({ H, W, C, OH: tilesH, OW: tilesW, KH: t.alpha, KW: t.alpha, SH: t.m, SW: t.m, DH: 1, DW: 1, top: padInfo.top, left: padInfo.left }),
      zero: this.zeros(C),
      weights: this.packedOf(filter, t.name, C, CO),
      bias: bias ? this.offset(bias) : 0,
      output: this.offset(out),
      tiles,
      tilesPerImage: tilesH * tilesW,
      tilesW,
      imageBytes: 4 * H * W * C,
      cin: C,
      cout: CO,
      panels,
      activation: ACTIVATIONS[activation],
      outH: OH,
      outW: OW,
      block: plan.block,
      blockPanels: plan.blockPanels,
      blockCount: plan.blockCount,
      work: plan.work,
      scratch: this.scratch.reserve(plan.slotBytes * this.threads),
      slotBytes: plan.slotBytes,
    });
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

/**
 * Tiles of the filter gradient's GEMMs ([cin × K] · [K × cout], K long): up to 64 rows by as many panels as fit
 * 128 KiB (32·K bytes each), so the panels stay in L2 while every row group of the tile reads them and a row
 * group's set-up is shared by several panels where K is short; at least 4 tiles a thread where there are panels
 * enough.
 */
export function gradientTiling(cin: number, panels: number, k: number, threads: number): ReturnType<typeof tiling> {
  const tileRows = Math.min(64, 4 * Math.ceil(cin / 4));
  const rowTiles = Math.ceil(cin / tileRows);
  const tilePanels = Math.max(1, Math.min(panels, Math.floor((128 * 1024) / (32 * k)), Math.ceil((panels * rowTiles) / (4 * threads))));
  return { tileRows, tilePanels, rowTiles, tiles: rowTiles * Math.ceil(panels / tilePanels) };
}

/** The FastConv of a backend, once installed. */
export const fastConvs = new WeakMap<KernelBackend | object, FastConv>();

/** `conv: FMA, 2 threads, Winograd auto` for a backend with fast convolutions, null without. */
export function describeFastConv(backend: object | null | undefined): string | null {
  const fast = backend ? fastConvs.get(backend) : undefined;
  return fast ? `conv: ${fast.fma ? 'FMA' : 'SIMD'}, ${fast.threads} thread${fast.threads === 1 ? '' : 's'}, Winograd ${fast.winograd}` : null;
}
