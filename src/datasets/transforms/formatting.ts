/**
 * MMPretrain `formatting.py`: `PackInputs` (HWC image → CHW array + a `DataSample`), `Transpose`,
 * `NumpyToPIL` / `PILToNumpy` (no-ops here: images are always arrays), and the 0.x names mapped by aliases.
 */
import { assert } from '../../utils/assert';
import type { DataSample } from '../../models/structures';
import { registryWarnings } from '../../registry';
import type { ImageArray, PixelData } from '../../image/image';
import { BaseTransform, parseOptions, type Results, type TransformCfg } from './base';

/** A packed CHW input, in the shape of a parsed `.npy` (`src/fileio/npy.ts`). */
export interface PackedInput {
  dtype: 'uint8' | 'float32';
  /** [C, H, W] */
  shape: number[];
  data: Uint8Array | Float32Array;
}

/** What `PackInputs` returns: the model input and its data sample (all other keys are dropped). */
export interface PackedResults extends Results {
  inputs: PackedInput | PackedInput[];
  data_samples: DataSample;
}

/** HWC → CHW (a grey image becomes 1×H×W). */
export function hwcToChw(img: ImageArray<PixelData>): PackedInput {
  const { height: h, width: w, channels: c, data: s } = img;
  const plane = h * w;
  const out = s instanceof Float32Array ? new Float32Array(s.length) : new Uint8Array(s.length);
  if (c === 3) {
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      out[i] = s[j];
      out[plane + i] = s[j + 1];
      out[2 * plane + i] = s[j + 2];
    }
  } else {
    for (let i = 0; i < plane; i++) for (let k = 0; k < c; k++) out[k * plane + i] = s[i * c + k];
  }
  return { dtype: out instanceof Float32Array ? 'float32' : 'uint8', shape: [c, h, w], data: out };
}

function isImage(v: unknown): v is ImageArray<PixelData> {
  const o = v as ImageArray<PixelData>;
  return !!o && typeof o === 'object' && (o.data instanceof Uint8Array || o.data instanceof Float32Array) && typeof o.height === 'number';
}

function formatInput(v: unknown, key: string): PackedInput | PackedInput[] {
  if (Array.isArray(v)) return v.map((x) => formatInput(x, key) as PackedInput);
  if (isImage(v)) return hwcToChw(v);
  const p = v as PackedInput;
  assert(p && Array.isArray(p.shape) && p.data, () => `PackInputs: unsupported input type for '${key}'`);
  return p;
}

function toLabel(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.map(Number);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, Number);
  throw new Error(`PackInputs: gt_label must be an int or a sequence of ints, got ${JSON.stringify(v)}`);
}

export const DEFAULT_META_KEYS = ['sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip', 'flip_direction'];

/** MMPretrain `PackInputs`. */
export class PackInputs extends BaseTransform {
  readonly typeName: string = 'PackInputs';
  readonly opts: {
    /** the results key holding the model input; Default: 'img' */
    input_key: string;
    /** extra keys copied into the data sample; Default: () */
    algorithm_keys: string[];
    /** keys copied into `data_sample.metainfo`; Default: PackInputs.DEFAULT_META_KEYS */
    meta_keys: string[];
  };

  constructor(cfg?: TransformCfg, typeName = 'PackInputs') {
    super();
    this.typeName = typeName;
    this.opts = parseOptions(typeName, cfg, { input_key: 'img', algorithm_keys: [] as string[], meta_keys: DEFAULT_META_KEYS });
  }

  transform(results: Results): PackedResults {
    const packed = {} as PackedResults;
    const key = this.opts.input_key;
    if (key in results) packed.inputs = formatInput(results[key], key);
    const sample: DataSample & Record<string, unknown> = { metainfo: {} };
    if (results.gt_label !== undefined) sample.gt_label = toLabel(results.gt_label);
    if (results.gt_score !== undefined) sample.gt_score = Float32Array.from(results.gt_score as ArrayLike<number>);
    if (results.mask !== undefined) sample.mask = results.mask;
    for (const k of this.opts.algorithm_keys) if (k in results) sample[k] = results[k];
    for (const k of this.opts.meta_keys) if (k in results) sample.metainfo![k] = results[k];
    packed.data_samples = sample;
    // Not model data, but what the studio shows: the parameters drawn on the way.
    if (results.random_params) packed.random_params = results.random_params;
    return packed;
  }
}

/** MMClassification 0.x `Collect(keys, meta_keys)`: packs like `PackInputs` (the first key is the input). */
export class Collect extends PackInputs {
  constructor(cfg?: TransformCfg) {
    const { keys = ['img'], meta_keys } = (cfg ?? {}) as { keys?: string[]; meta_keys?: string[] };
    const rest = Object.keys(cfg ?? {}).filter((k) => k !== 'keys' && k !== 'meta_keys');
    assert(rest.length === 0, () => `Collect: unknown option(s) ${rest.join(', ')} (keys, meta_keys)`);
    super({ input_key: keys[0] ?? 'img', algorithm_keys: keys.slice(1).filter((k) => k !== 'gt_label'), ...(meta_keys ? { meta_keys } : {}) }, 'Collect');
    registryWarnings.warn("'Collect' is an MMClassification 0.x transform; in MMPretrain 1.x use PackInputs (packing the same way here).");
  }
}

/** MMPretrain `Transpose(keys, order)` for images (`order` over H, W, C axes). */
export class Transpose extends BaseTransform {
  readonly typeName = 'Transpose';
  readonly opts: { keys: string[]; order: number[] };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('Transpose', cfg, { keys: [] as string[], order: [] as number[] }, ['keys', 'order']);
  }

  transform(results: Results): Results {
    for (const key of this.opts.keys) {
      const v = results[key];
      if (isImage(v)) {
        const o = this.opts.order.join(',');
        assert(o === '2,0,1' || o === '0,1,2', () => `Transpose: order (${o}) is not supported for images (2,0,1 or 0,1,2)`);
        if (o === '2,0,1') results[key] = hwcToChw(v);
      }
    }
    return results;
  }
}

/** `ToTensor` / `ImageToTensor` (0.x): arrays are packed by `PackInputs` here, so these keep the values. */
export class PassThrough extends BaseTransform {
  constructor(readonly typeName: string, cfg: TransformCfg | undefined, allowed: Record<string, unknown>) {
    super();
    parseOptions(typeName, cfg, allowed);
  }

  transform(results: Results): Results {
    return results;
  }
}

/** Swaps the first and third channels of `results.img` when it has three or more (BGR ↔ RGB). */
function swapRB(results: Results, who: string): void {
  const img = results.img;
  assert(img, () => `${who}: no 'img' in results`);
  if (img.channels < 3) return;
  const data = img.data.slice();
  for (let i = 0; i < data.length; i += img.channels) {
    const t = data[i];
    data[i] = data[i + 2];
    data[i + 2] = t;
  }
  results.img = { ...img, data } as ImageArray<PixelData>;
}

/** `NumpyToPIL(to_rgb)`: images stay arrays here; `to_rgb` converts BGR → RGB as MMPretrain does. */
export class NumpyToPIL extends BaseTransform {
  readonly typeName = 'NumpyToPIL';
  readonly opts: { /** Default: false */ to_rgb: boolean };
  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('NumpyToPIL', cfg, { to_rgb: false });
  }
  transform(results: Results): Results {
    if (this.opts.to_rgb) swapRB(results, 'NumpyToPIL');
    return results;
  }
}

/** `PILToNumpy(to_bgr, dtype)` (also `ToNumpy`): `to_bgr` converts RGB → BGR; `dtype='float32'` converts. */
export class PILToNumpy extends BaseTransform {
  readonly typeName = 'PILToNumpy';
  readonly opts: { /** Default: false */ to_bgr: boolean; /** null (keep), 'uint8' or 'float32'; Default: null */ dtype: string | null };
  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('PILToNumpy', cfg, { to_bgr: false, dtype: null as string | null });
    assert(this.opts.dtype === null || this.opts.dtype === 'uint8' || this.opts.dtype === 'float32', () => `PILToNumpy: dtype must be null, 'uint8' or 'float32', got ${JSON.stringify(this.opts.dtype)}`);
  }
  transform(results: Results): Results {
    if (this.opts.to_bgr) swapRB(results, 'PILToNumpy');
    const img = results.img;
    if (img && this.opts.dtype === 'float32' && !(img.data instanceof Float32Array)) results.img = { ...img, data: Float32Array.from(img.data) };
    return results;
  }
}
