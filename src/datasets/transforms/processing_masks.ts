/**
 * The mask generators of MMPretrain's `processing.py` for masked-image-modelling pipelines:
 * `SimMIMMaskGenerator` and `BEiTMaskGenerator`. They add `results.mask` (a 0/1 grid, `{shape, data}`),
 * which `PackInputs` puts in the data sample; the masked cells are what is recorded and replayed.
 */
import { assert } from '../../utils/assert';
import { BaseTransform, parseOptions, type Results, type TransformCfg } from './base';
import { pyRound } from './processing';
import type { Generator } from '../../utils/random';

/** A 0/1 mask grid, row-major. */
export interface MaskGrid {
  dtype: 'uint8';
  shape: [number, number];
  data: Uint8Array;
}

function checkMasked(who: string, size: number) {
  return (v: unknown): { masked: number[] } => {
    const m = (v as { masked?: unknown })?.masked;
    assert(Array.isArray(m) && m.every((i) => Number.isInteger(i) && i >= 0 && i < size), () => `${who}: replayed params need 'masked', a list of cell indices below ${size}`);
    return { masked: m as number[] };
  };
}

/** `SimMIMMaskGenerator`: masks `ceil(tokens × mask_ratio)` random blocks, upsampled to the model patch grid. */
export class SimMIMMaskGenerator extends BaseTransform {
  readonly typeName = 'SimMIMMaskGenerator';
  readonly opts: {
    /** Default: 192 */
    input_size: number;
    /** Default: 32 */
    mask_patch_size: number;
    /** Default: 4 */
    model_patch_size: number;
    /** Default: 0.6 */
    mask_ratio: number;
  };
  private readonly randSize: number;
  private readonly scale: number;
  private readonly maskCount: number;

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('SimMIMMaskGenerator', cfg, { input_size: 192, mask_patch_size: 32, model_patch_size: 4, mask_ratio: 0.6 });
    const o = this.opts;
    assert(o.input_size % o.mask_patch_size === 0, () => `SimMIMMaskGenerator: input_size ${o.input_size} is not a multiple of mask_patch_size ${o.mask_patch_size}`);
    assert(o.mask_patch_size % o.model_patch_size === 0, () => `SimMIMMaskGenerator: mask_patch_size ${o.mask_patch_size} is not a multiple of model_patch_size ${o.model_patch_size}`);
    this.randSize = o.input_size / o.mask_patch_size;
    this.scale = o.mask_patch_size / o.model_patch_size;
    this.maskCount = Math.ceil(this.randSize ** 2 * o.mask_ratio);
  }

  transform(results: Results): Results {
    const tokens = this.randSize ** 2;
    const { masked } = this.drawParams(results, (rng) => ({ masked: rng.permutation(tokens).slice(0, this.maskCount) }), checkMasked(this.typeName, tokens));
    const side = this.randSize * this.scale;
    const mask: MaskGrid = { dtype: 'uint8', shape: [side, side], data: new Uint8Array(side * side) };
    for (const idx of masked) {
      const r = Math.floor(idx / this.randSize);
      const c = idx % this.randSize;
      for (let y = r * this.scale; y < (r + 1) * this.scale; y++) mask.data.fill(1, y * side + c * this.scale, y * side + (c + 1) * this.scale);
    }
    results.mask = mask;
    return results;
  }
}

/** `BEiTMaskGenerator`: block-wise masking until exactly `num_masking_patches` cells are masked. */
export class BEiTMaskGenerator extends BaseTransform {
  readonly typeName = 'BEiTMaskGenerator';
  readonly opts: {
    /** patch grid size, int or (h, w) (required) */
    input_size: number | [number, number];
    /** how many cells to mask (required) */
    num_masking_patches: number;
    /** Default: 4 */
    min_num_patches: number;
    /** Default: null (= num_masking_patches) */
    max_num_patches: number | null;
    /** Default: 0.3 */
    min_aspect: number;
    /** Default: null (= 1 / min_aspect) */
    max_aspect: number | null;
  };
  private readonly height: number;
  private readonly width: number;

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('BEiTMaskGenerator', cfg, { input_size: 0 as number | [number, number], num_masking_patches: 0, min_num_patches: 4, max_num_patches: null as number | null, min_aspect: 0.3, max_aspect: null as number | null }, ['input_size', 'num_masking_patches']);
    [this.height, this.width] = typeof this.opts.input_size === 'number' ? [this.opts.input_size, this.opts.input_size] : this.opts.input_size;
    assert(this.opts.num_masking_patches <= this.height * this.width, () => `BEiTMaskGenerator: num_masking_patches ${this.opts.num_masking_patches} exceeds the ${this.height}x${this.width} grid`);
  }

  /** `_mask`: tries up to 10 random blocks; returns how many new cells were masked. */
  private maskBlock(mask: Uint8Array, maxMaskPatches: number, rng: Generator): number {
    const { min_num_patches: minN, min_aspect } = this.opts;
    const maxAspect = this.opts.max_aspect || 1 / min_aspect;
    const logRatio = [Math.log(min_aspect), Math.log(maxAspect)];
    let delta = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = rng.uniform(minN, maxMaskPatches);
      const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
      const h = pyRound(Math.sqrt(targetArea * aspect));
      const w = pyRound(Math.sqrt(targetArea / aspect));
      if (w < this.width && h < this.height) {
        const top = rng.randint(0, this.height - h);
        const left = rng.randint(0, this.width - w);
        let masked = 0;
        for (let i = top; i < top + h; i++) for (let j = left; j < left + w; j++) masked += mask[i * this.width + j];
        if (h * w - masked > 0 && h * w - masked <= maxMaskPatches) {
          for (let i = top; i < top + h; i++) {
            for (let j = left; j < left + w; j++) {
              if (mask[i * this.width + j] === 0) {
                mask[i * this.width + j] = 1;
                delta++;
              }
            }
          }
        }
        if (delta > 0) break;
      }
    }
    return delta;
  }

  transform(results: Results): Results {
    const size = this.height * this.width;
    const { masked } = this.drawParams(results, (rng) => {
      const grid = new Uint8Array(size);
      const maxN = this.opts.max_num_patches ?? this.opts.num_masking_patches;
      let count = 0;
      for (let guard = 0; count !== this.opts.num_masking_patches; guard++) {
        assert(guard < 100000, () => 'BEiTMaskGenerator: could not reach num_masking_patches (check min_num_patches / aspect ranges)');
        count += this.maskBlock(grid, Math.min(this.opts.num_masking_patches - count, maxN), rng);
      }
      const idx: number[] = [];
      grid.forEach((v, i) => v && idx.push(i));
      return { masked: idx };
    }, checkMasked(this.typeName, size));
    const mask: MaskGrid = { dtype: 'uint8', shape: [this.height, this.width], data: new Uint8Array(size) };
    for (const i of masked) mask.data[i] = 1;
    results.mask = mask;
    return results;
  }
}
