/**
 * Geometric and erasing transforms: mmcv's `Resize`, `RandomResize`, `CenterCrop`, `Pad`, `RandomFlip`,
 * `RandomGrayscale` and MMPretrain's `processing.py` (`ResizeEdge`, `RandomCrop`, `RandomResizedCrop`,
 * `EfficientNetRandomCrop`, `EfficientNetCenterCrop`, `RandomErasing`). Keys and defaults as there.
 */
import { assert } from '../../utils/assert';
import { createImage, imageShape, type ImageArray, type PixelData } from '../../image/image';
import { adjustBrightness, adjustColor, adjustContrast, adjustHue, adjustLighting, type ColorBackend } from '../../image/photometric';
import {
  imcrop, imflip, impad, imrescale, imresize, padCropConstant, paddingLTRB, scaleSize,
  type FlipDirection, type Interpolation, type Padding, type PaddingMode, type ResizeBackend,
} from '../../image/geometric';
import { BaseTransform, checkChoice, checkNumber, pair, parseOptions, requireAnyImage, requireImage, type Results, type TransformCfg } from './base';
import { Generator } from '../../utils/random';

const BACKENDS: readonly ResizeBackend[] = ['cv2', 'pillow'];
const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear', 'bicubic', 'area', 'lanczos', 'box', 'hamming'];

/** Crop offsets drawn by the random crops (the manifest's `random_params` shape). */
export interface CropParams {
  offset_h: number;
  offset_w: number;
  target_h: number;
  target_w: number;
}

function checkCropParams(who: string) {
  return (v: unknown): CropParams => {
    const p = v as Record<string, unknown>;
    for (const k of ['offset_h', 'offset_w', 'target_h', 'target_w']) {
      assert(p && typeof p[k] === 'number', () => `${who}: replayed params need numeric '${k}', got ${JSON.stringify(v)}`);
    }
    return p as unknown as CropParams;
  };
}

/** Crops `[offset, offset + target)` as `mmcv.imcrop` with inclusive corners. */
function cropBox<T extends PixelData>(img: ImageArray<T>, p: CropParams): ImageArray<T> {
  return imcrop(img, [p.offset_w, p.offset_h, p.offset_w + p.target_w - 1, p.offset_h + p.target_h - 1]);
}

/**
 * mmcv `Resize`: to `scale` (w, h) or by `scale_factor`; `keep_ratio` fits inside `scale`.
 * Adds `scale`, `scale_factor` (w, h), `keep_ratio`; updates `img_shape`.
 */
export class Resize extends BaseTransform {
  readonly typeName = 'Resize';
  readonly opts: {
    /** target (w, h) or a single edge for both; Default: null */
    scale: number | [number, number] | null;
    /** factor (or (w, h) factors) when `scale` is null; Default: null */
    scale_factor: number | [number, number] | null;
    /** fit inside `scale` keeping the aspect ratio; Default: false */
    keep_ratio: boolean;
    /** kept for config compatibility (boxes are not resized here); Default: true */
    clip_object_border: boolean;
    /** 'cv2' or 'pillow'; Default: 'cv2' */
    backend: ResizeBackend;
    /** Default: 'bilinear' */
    interpolation: Interpolation;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('Resize', cfg, { scale: null, scale_factor: null, keep_ratio: false, clip_object_border: true, backend: 'cv2' as ResizeBackend, interpolation: 'bilinear' as Interpolation });
    assert(this.opts.scale !== null || this.opts.scale_factor !== null, () => 'Resize: `scale` and `scale_factor` can not both be None');
    checkChoice(this.opts.backend, 'Resize.backend', BACKENDS);
    checkChoice(this.opts.interpolation, 'Resize.interpolation', INTERPOLATIONS);
  }

  transform(results: Results): Results {
    const img = requireAnyImage(results, 'Resize');
    const { scale, scale_factor, keep_ratio, backend, interpolation } = this.opts;
    const target: [number, number] = scale !== null ? pair(scale, 'Resize.scale') : scaleSize([img.width, img.height], typeof scale_factor === 'number' ? scale_factor : pair(scale_factor, 'Resize.scale_factor'));
    results.scale = target;
    let out: ImageArray<PixelData>;
    let wScale: number;
    let hScale: number;
    if (keep_ratio) {
      out = imrescale(img, target, interpolation, backend).img;
      wScale = out.width / img.width;
      hScale = out.height / img.height;
    } else {
      out = imresize(img, target, interpolation, backend);
      wScale = target[0] / img.width;
      hScale = target[1] / img.height;
    }
    results.img = out;
    results.img_shape = [out.height, out.width];
    results.scale_factor = [wScale, hScale];
    results.keep_ratio = keep_ratio;
    return results;
  }
}

/**
 * mmcv `RandomResize`: draws a scale between two (w, h) scales, or `scale` × a ratio from `ratio_range`,
 * then resizes with `resize_type` (default `Resize`) and the remaining options.
 */
export class RandomResize extends BaseTransform {
  readonly typeName = 'RandomResize';
  private readonly scale: [number, number] | [[number, number], [number, number]];
  private readonly ratioRange: [number, number] | null;
  private readonly resizeCfg: TransformCfg;

  constructor(cfg?: TransformCfg) {
    super();
    const { scale, ratio_range = null, resize_type = 'Resize', ...resizeKwargs } = (cfg ?? {}) as Record<string, unknown>;
    assert(scale !== undefined, () => "RandomResize: option 'scale' is required");
    assert(resize_type === 'Resize', () => `RandomResize: resize_type '${String(resize_type)}' is not supported (Resize)`);
    this.scale = scale as RandomResize['scale'];
    this.ratioRange = ratio_range as [number, number] | null;
    this.resizeCfg = resizeKwargs;
    new Resize({ ...resizeKwargs, scale: 1 }); // validates the Resize options now
  }

  transform(results: Results): Results {
    const { scale } = this.drawParams(results, (rng) => ({ scale: this.randomScale(rng) }), (v) => {
      const s = (v as { scale?: unknown }).scale;
      return { scale: pair(s, 'RandomResize replayed scale') };
    });
    return new Resize({ ...this.resizeCfg, scale }).transform(results);
  }

  private randomScale(rng: Generator): [number, number] {
    const s = this.scale;
    if (Array.isArray(s[0])) {
      const [a, b] = s as [[number, number], [number, number]];
      const e0 = rng.randint(Math.min(a[0], b[0]), Math.max(a[0], b[0]) + 1);
      const e1 = rng.randint(Math.min(a[1], b[1]), Math.max(a[1], b[1]) + 1);
      return [e0, e1];
    }
    const base = pair(s, 'RandomResize.scale');
    if (this.ratioRange) {
      const [lo, hi] = this.ratioRange;
      assert(lo <= hi, () => `RandomResize: ratio_range min ${lo} > max ${hi}`);
      const ratio = rng.random() * (hi - lo) + lo;
      return [Math.trunc(base[0] * ratio), Math.trunc(base[1] * ratio)];
    }
    return base;
  }
}

/** MMPretrain `ResizeEdge`: resizes so that the `edge` (short/long/width/height) equals `scale`. */
export class ResizeEdge extends BaseTransform {
  readonly typeName = 'ResizeEdge';
  readonly opts: {
    /** the length of that edge after resizing (required) */
    scale: number;
    /** 'short', 'long', 'width' or 'height'; Default: 'short' */
    edge: 'short' | 'long' | 'width' | 'height';
    /** Default: 'cv2' */
    backend: ResizeBackend;
    /** Default: 'bilinear' */
    interpolation: Interpolation;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('ResizeEdge', cfg, { scale: 0, edge: 'short' as const, backend: 'cv2' as ResizeBackend, interpolation: 'bilinear' as Interpolation }, ['scale']);
    checkChoice(this.opts.edge, 'ResizeEdge.edge', ['short', 'long', 'width', 'height']);
    checkChoice(this.opts.backend, 'ResizeEdge.backend', BACKENDS);
    checkNumber(this.opts.scale, 'ResizeEdge.scale', 1);
  }

  transform(results: Results): Results {
    const img = requireAnyImage(results, 'ResizeEdge');
    const { scale, edge, backend, interpolation } = this.opts;
    const h = img.height;
    const w = img.width;
    let width: number;
    let height: number;
    if ((edge === 'short' && w < h) || (edge === 'long' && w > h) || edge === 'width') {
      width = scale;
      height = Math.trunc((scale * h) / w);
    } else {
      height = scale;
      width = Math.trunc((scale * w) / h);
    }
    const out = imresize(img, [width, height], interpolation, backend);
    results.img = out;
    results.img_shape = [out.height, out.width];
    results.scale = [out.width, out.height];
    results.scale_factor = [width / w, height / h];
    return results;
  }
}

/** mmcv `Pad`: to a fixed `size` (w, h), to a multiple of `size_divisor`, or to a square. */
export class Pad extends BaseTransform {
  readonly typeName = 'Pad';
  readonly opts: {
    /** target (w, h); Default: null */
    size: number | [number, number] | null;
    /** pad to a multiple of this; Default: null */
    size_divisor: number | null;
    /** pad to a square of the longer edge; Default: false */
    pad_to_square: boolean;
    /** a number, or `dict(img=..., seg=...)`; Default: dict(img=0, seg=255) */
    pad_val: number | { img?: number | number[]; seg?: number };
    /** Default: 'constant' */
    padding_mode: PaddingMode;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('Pad', cfg, { size: null, size_divisor: null, pad_to_square: false, pad_val: { img: 0, seg: 255 }, padding_mode: 'constant' as PaddingMode });
    checkChoice(this.opts.padding_mode, 'Pad.padding_mode', ['constant', 'edge', 'reflect', 'symmetric']);
  }

  transform(results: Results): Results {
    const img = requireAnyImage(results, 'Pad');
    const { size_divisor, pad_to_square, pad_val, padding_mode } = this.opts;
    // mmcv Pad._pad_img: square first; a divisor rounds that (or the image) up and ignores `size`.
    let size: [number, number] | null = null; // (w, h)
    if (pad_to_square) {
      const m = Math.max(img.width, img.height);
      size = [m, m];
    }
    if (size_divisor) {
      const base = size ?? [img.width, img.height];
      size = [Math.ceil(base[0] / size_divisor) * size_divisor, Math.ceil(base[1] / size_divisor) * size_divisor];
    } else if (this.opts.size !== null) {
      size = pair(this.opts.size, 'Pad.size');
    }
    assert(size, () => 'Pad: one of size, size_divisor or pad_to_square is needed');
    const value = typeof pad_val === 'number' ? pad_val : (pad_val.img ?? 0);
    const out = impad(img, { shape: [size[1], size[0]], padVal: value, mode: padding_mode });
    results.img = out;
    results.pad_shape = [out.height, out.width, out.channels];
    results.pad_fixed_size = this.opts.size;
    results.pad_size_divisor = size_divisor;
    results.img_shape = [out.height, out.width];
    return results;
  }
}

/** mmcv `CenterCrop`: crops (w, h) `crop_size` at the centre; `auto_pad` pads small images first with `pad_cfg`. */
export class CenterCrop extends BaseTransform {
  readonly typeName = 'CenterCrop';
  readonly opts: {
    /** (w, h) or one number for both (required) */
    crop_size: number | [number, number];
    /** pad an image smaller than the crop; Default: false */
    auto_pad: boolean;
    /** the padding transform; Default: dict(type='Pad') */
    pad_cfg: TransformCfg;
    /** Default: true */
    clip_object_border: boolean;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('CenterCrop', cfg, { crop_size: 0 as number | [number, number], auto_pad: false, pad_cfg: { type: 'Pad' } as TransformCfg, clip_object_border: true }, ['crop_size']);
    const [cw, ch] = pair(this.opts.crop_size, 'CenterCrop.crop_size');
    assert(cw > 0 && ch > 0, () => `CenterCrop: crop_size must be positive, got ${JSON.stringify(this.opts.crop_size)}`);
    assert(this.opts.pad_cfg.type === 'Pad', () => `CenterCrop: pad_cfg type must be 'Pad', got ${JSON.stringify(this.opts.pad_cfg.type)}`);
  }

  transform(results: Results): Results {
    let img = requireAnyImage(results, 'CenterCrop');
    let [cropW, cropH] = pair(this.opts.crop_size, 'CenterCrop.crop_size');
    let h = img.height;
    let w = img.width;
    if (cropH > h || cropW > w) {
      if (this.opts.auto_pad) {
        h = Math.max(h, cropH);
        w = Math.max(w, cropW);
        const { type: _type, ...padOpts } = this.opts.pad_cfg;
        results = new Pad({ ...padOpts, size: [w, h] }).transform(results);
        img = results.img as ImageArray<PixelData>;
      } else {
        cropH = Math.min(cropH, h);
        cropW = Math.min(cropW, w);
      }
    }
    const y1 = Math.max(0, pyRound((h - cropH) / 2));
    const x1 = Math.max(0, pyRound((w - cropW) / 2));
    const y2 = Math.min(h, y1 + cropH) - 1;
    const x2 = Math.min(w, x1 + cropW) - 1;
    const out = imcrop(img, [x1, y1, x2, y2]);
    results.img = out;
    results.img_shape = [out.height, out.width];
    results.pad_shape = [out.height, out.width];
    return results;
  }
}

/** Python's `round` (half to even). */
export function pyRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/** MMPretrain `RandomCrop`: optional padding, then a random `crop_size` (h, w) window. */
export class RandomCrop extends BaseTransform {
  readonly typeName = 'RandomCrop';
  readonly opts: {
    /** (h, w) or one number (required) */
    crop_size: number | [number, number];
    /** border added first: a number, (lr, tb) or (l, t, r, b); Default: null */
    padding: Padding | null;
    /** pad images smaller than the crop; Default: false */
    pad_if_needed: boolean;
    /** Default: 0 */
    pad_val: number | number[];
    /** constant, edge, reflect or symmetric (used by `pad_if_needed`); Default: 'constant' */
    padding_mode: PaddingMode;
  };
  private readonly cropSize: [number, number];

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('RandomCrop', cfg, { crop_size: 0 as number | [number, number], padding: null as Padding | null, pad_if_needed: false, pad_val: 0 as number | number[], padding_mode: 'constant' as PaddingMode }, ['crop_size']);
    this.cropSize = pair(this.opts.crop_size, 'RandomCrop.crop_size');
    assert(this.cropSize[0] > 0 && this.cropSize[1] > 0, () => `RandomCrop: crop_size must be positive, got ${JSON.stringify(this.opts.crop_size)}`);
    checkChoice(this.opts.padding_mode, 'RandomCrop.padding_mode', ['constant', 'edge', 'reflect', 'symmetric']);
    if (this.opts.padding !== null) paddingLTRB(this.opts.padding);
  }

  /** `rand_crop_params`: offsets of a `crop_size` window in an h×w image. */
  static randCropParams(h: number, w: number, cropSize: [number, number], rng: Generator): CropParams {
    let [targetH, targetW] = cropSize;
    if (w === targetW && h === targetH) return { offset_h: 0, offset_w: 0, target_h: h, target_w: w };
    targetW = Math.min(w, targetW);
    targetH = Math.min(h, targetH);
    const offsetH = rng.randint(0, h - targetH + 1);
    const offsetW = rng.randint(0, w - targetW + 1);
    return { offset_h: offsetH, offset_w: offsetW, target_h: targetH, target_w: targetW };
  }

  transform(results: Results): Results {
    let img = requireAnyImage(results, 'RandomCrop');
    const { padding, pad_if_needed, pad_val, padding_mode } = this.opts;
    if (padding !== null && !pad_if_needed) return this.padAndCrop(results, img, paddingLTRB(padding));
    // mmpretrain pads with `padding` in constant mode (padding_mode applies to pad_if_needed).
    if (padding !== null) img = impad(img, { padding, padVal: pad_val });
    if (pad_if_needed) {
      const hPad = Math.ceil(Math.max(0, this.cropSize[0] - img.height) / 2);
      const wPad = Math.ceil(Math.max(0, this.cropSize[1] - img.width) / 2);
      img = impad(img, { padding: [wPad, hPad, wPad, hPad], padVal: pad_val, mode: padding_mode });
    }
    const h = img.height;
    const w = img.width;
    const p = this.drawParams(results, (rng) => ({ padded_shape: [h, w], ...RandomCrop.randCropParams(h, w, this.cropSize, rng) }), checkCropParams('RandomCrop'));
    const out = cropBox(img, p);
    results.img = out;
    results.img_shape = imageShape(out);
    return results;
  }

  /** Constant `padding` then crop, fused: the window is read straight from the unpadded image. */
  private padAndCrop(results: Results, img: ImageArray<PixelData>, [l, t, r, b]: [number, number, number, number]): Results {
    const h = img.height + t + b;
    const w = img.width + l + r;
    const p = this.drawParams(results, (rng) => ({ padded_shape: [h, w], ...RandomCrop.randCropParams(h, w, this.cropSize, rng) }), checkCropParams('RandomCrop'));
    const pv = this.opts.pad_val;
    if (typeof pv !== 'number') assert(pv.length === img.channels, () => `RandomCrop: pad_val has ${pv.length} values for a ${img.channels}-channel image`);
    const fill = Array.from({ length: img.channels }, (_, c) => (typeof pv === 'number' ? pv : pv[c]));
    // Clip the window to the padded image, as imcrop does.
    const y1 = Math.min(Math.max(p.offset_h, 0), h - 1);
    const x1 = Math.min(Math.max(p.offset_w, 0), w - 1);
    const y2 = Math.min(Math.max(p.offset_h + p.target_h - 1, 0), h - 1);
    const x2 = Math.min(Math.max(p.offset_w + p.target_w - 1, 0), w - 1);
    const out = padCropConstant(img, y1 - t, x1 - l, y2 - y1 + 1, x2 - x1 + 1, fill);
    results.img = out;
    results.img_shape = imageShape(out);
    return results;
  }
}

/** MMPretrain `RandomResizedCrop`: a random area/aspect crop resized to `scale` (h, w). */
export class RandomResizedCrop extends BaseTransform {
  readonly typeName: string = 'RandomResizedCrop';
  readonly opts: {
    /** output (h, w) or one number (required) */
    scale: number | [number, number];
    /** crop area / image area range; Default: (0.08, 1.0) */
    crop_ratio_range: [number, number];
    /** crop aspect ratio range; Default: (3/4, 4/3) */
    aspect_ratio_range: [number, number];
    /** tries before the central fallback; Default: 10 */
    max_attempts: number;
    /** Default: 'bilinear' */
    interpolation: Interpolation;
    /** Default: 'cv2' */
    backend: ResizeBackend;
  };
  protected readonly outSize: [number, number];

  constructor(cfg?: TransformCfg, typeName = 'RandomResizedCrop', extraDefaults: Record<string, unknown> = {}) {
    super();
    this.typeName = typeName;
    const { min_covered: _a, crop_padding: _b, ...rest } = parseOptions(typeName, cfg, {
      scale: 0 as number | [number, number], crop_ratio_range: [0.08, 1.0] as [number, number], aspect_ratio_range: [3 / 4, 4 / 3] as [number, number],
      max_attempts: 10, interpolation: 'bilinear' as Interpolation, backend: 'cv2' as ResizeBackend, ...extraDefaults,
    }, ['scale']) as RandomResizedCrop['opts'] & { min_covered?: number; crop_padding?: number };
    this.opts = rest;
    this.outSize = pair(this.opts.scale, `${typeName}.scale`);
    const [c0, c1] = this.opts.crop_ratio_range;
    const [a0, a1] = this.opts.aspect_ratio_range;
    assert(c0 <= c1 && a0 <= a1, () => `${typeName}: range should be of kind (min, max). But received crop_ratio_range ${JSON.stringify(this.opts.crop_ratio_range)} and aspect_ratio_range ${JSON.stringify(this.opts.aspect_ratio_range)}`);
    assert(Number.isInteger(this.opts.max_attempts) && this.opts.max_attempts >= 0, () => `${typeName}: max_attempts must be an int >= 0`);
    checkChoice(this.opts.interpolation, `${typeName}.interpolation`, INTERPOLATIONS);
    checkChoice(this.opts.backend, `${typeName}.backend`, BACKENDS);
  }

  /** `rand_crop_params` of MMPretrain (with its central-crop fallback). */
  randCropParams(h: number, w: number, rng: Generator): CropParams {
    const area = h * w;
    const [r0, r1] = this.opts.crop_ratio_range;
    const [a0, a1] = this.opts.aspect_ratio_range;
    for (let i = 0; i < this.opts.max_attempts; i++) {
      const targetArea = rng.uniform(r0, r1) * area;
      const aspect = Math.exp(rng.uniform(Math.log(a0), Math.log(a1)));
      const targetW = pyRound(Math.sqrt(targetArea * aspect));
      const targetH = pyRound(Math.sqrt(targetArea / aspect));
      if (targetW > 0 && targetW <= w && targetH > 0 && targetH <= h) {
        return { offset_h: rng.randint(0, h - targetH + 1), offset_w: rng.randint(0, w - targetW + 1), target_h: targetH, target_w: targetW };
      }
    }
    const inRatio = w / h;
    let targetW = w;
    let targetH = h;
    if (inRatio < Math.min(a0, a1)) targetH = pyRound(targetW / Math.min(a0, a1));
    else if (inRatio > Math.max(a0, a1)) targetW = pyRound(targetH * Math.max(a0, a1));
    return { offset_h: Math.floor((h - targetH) / 2), offset_w: Math.floor((w - targetW) / 2), target_h: targetH, target_w: targetW };
  }

  transform(results: Results): Results {
    const img = requireAnyImage(results, this.typeName);
    const p = this.drawParams(results, (rng) => this.randCropParams(img.height, img.width, rng), checkCropParams(this.typeName));
    const out = imresize(cropBox(img, p), [this.outSize[1], this.outSize[0]], this.opts.interpolation, this.opts.backend);
    results.img = out;
    results.img_shape = imageShape(out);
    return results;
  }
}

/** MMPretrain `EfficientNetRandomCrop`: TF EfficientNet's random crop (bicubic by default). */
export class EfficientNetRandomCrop extends RandomResizedCrop {
  readonly minCovered: number;
  readonly cropPadding: number;

  constructor(cfg?: TransformCfg) {
    super(cfg, 'EfficientNetRandomCrop', { interpolation: 'bicubic', min_covered: 0.1, crop_padding: 32 });
    const c = (cfg ?? {}) as { min_covered?: number; crop_padding?: number; scale?: unknown };
    assert(typeof c.scale === 'number' && Number.isInteger(c.scale), () => `EfficientNetRandomCrop: scale must be an int, got ${JSON.stringify(c.scale)}`);
    this.minCovered = checkNumber(c.min_covered ?? 0.1, 'EfficientNetRandomCrop.min_covered', 0);
    this.cropPadding = checkNumber(c.crop_padding ?? 32, 'EfficientNetRandomCrop.crop_padding', 0);
  }

  override randCropParams(h: number, w: number, rng: Generator): CropParams {
    const area = h * w;
    const minArea = this.opts.crop_ratio_range[0] * area;
    const maxArea = this.opts.crop_ratio_range[1] * area;
    for (let i = 0; i < this.opts.max_attempts; i++) {
      const aspect = rng.uniform(...this.opts.aspect_ratio_range);
      let minH = pyRound(Math.sqrt(minArea / aspect));
      let maxH = pyRound(Math.sqrt(maxArea / aspect));
      if (maxH * aspect > w) {
        maxH = Math.trunc((w + 0.5 - 1e-7) / aspect);
        if (maxH * aspect > w) maxH -= 1;
      }
      maxH = Math.min(maxH, h);
      minH = Math.min(maxH, minH);
      const targetH = pyRound(rng.uniform(minH, maxH));
      const targetW = pyRound(targetH * aspect);
      const targetArea = targetH * targetW;
      if (targetArea < minArea || targetArea > maxArea || targetW > w || targetH > h || targetArea < this.minCovered * area) continue;
      return { offset_h: rng.randint(0, h - targetH + 1), offset_w: rng.randint(0, w - targetW + 1), target_h: targetH, target_w: targetW };
    }
    return efficientNetCenterParams(h, w, this.outSize[0], this.cropPadding);
  }
}

/** The EfficientNet central crop window: `crop / (crop + padding) × short edge` (a float size, as MMPretrain). */
function efficientNetCenterParams(h: number, w: number, crop: number, padding: number): CropParams {
  const size = (crop / (crop + padding)) * Math.min(h, w);
  return { offset_h: Math.max(0, pyRound((h - size) / 2)), offset_w: Math.max(0, pyRound((w - size) / 2)), target_h: size, target_w: size };
}

/** MMPretrain `EfficientNetCenterCrop`: crops `crop_size/(crop_size+crop_padding)` of the short edge, resizes to `crop_size`. */
export class EfficientNetCenterCrop extends BaseTransform {
  readonly typeName = 'EfficientNetCenterCrop';
  readonly opts: {
    /** output size (required, int) */
    crop_size: number;
    /** Default: 32 */
    crop_padding: number;
    /** Default: 'bicubic' */
    interpolation: Interpolation;
    /** Default: 'cv2' */
    backend: ResizeBackend;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('EfficientNetCenterCrop', cfg, { crop_size: 0, crop_padding: 32, interpolation: 'bicubic' as Interpolation, backend: 'cv2' as ResizeBackend }, ['crop_size']);
    assert(Number.isInteger(this.opts.crop_size) && this.opts.crop_size > 0, () => `EfficientNetCenterCrop: crop_size must be a positive int, got ${this.opts.crop_size}`);
    checkNumber(this.opts.crop_padding, 'EfficientNetCenterCrop.crop_padding', 0);
  }

  transform(results: Results): Results {
    const img = requireAnyImage(results, 'EfficientNetCenterCrop');
    const p = efficientNetCenterParams(img.height, img.width, this.opts.crop_size, this.opts.crop_padding);
    const out = imresize(cropBox(img, p), [this.opts.crop_size, this.opts.crop_size], this.opts.interpolation, this.opts.backend);
    results.img = out;
    results.img_shape = imageShape(out);
    return results;
  }
}

/** What `RandomFlip` drew. */
export interface FlipParams {
  flip: boolean;
  flip_direction: FlipDirection | null;
}

/** mmcv `RandomFlip`: `prob` (float or one per direction) over `direction` (str or list). Adds `flip`, `flip_direction`. */
export class RandomFlip extends BaseTransform {
  readonly typeName = 'RandomFlip';
  readonly opts: {
    /** flip probability, or one per direction (required) */
    prob: number | number[] | null;
    /** Default: 'horizontal' */
    direction: FlipDirection | FlipDirection[];
    /** kept for config compatibility (no segmentation maps here); Default: null */
    swap_seg_labels: unknown;
  };
  private readonly directions: FlipDirection[];
  private readonly probs: number[];

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('RandomFlip', cfg, { prob: null as number | number[] | null, direction: 'horizontal' as FlipDirection | FlipDirection[], swap_seg_labels: null });
    const { prob, direction } = this.opts;
    const valid: FlipDirection[] = ['horizontal', 'vertical', 'diagonal'];
    this.directions = typeof direction === 'string' ? [direction] : direction;
    assert(Array.isArray(this.directions) && this.directions.every((d) => valid.includes(d)), () => `RandomFlip: direction must be one of ${valid.join(', ')} or a list of them, got ${JSON.stringify(direction)}`);
    if (Array.isArray(prob)) {
      const sum = prob.reduce((a, b) => a + b, 0);
      assert(prob.length === this.directions.length, () => `RandomFlip: ${prob.length} probs for ${this.directions.length} directions`);
      assert(sum >= 0 && sum <= 1, () => `RandomFlip: probs must sum to [0, 1], got ${sum}`);
      this.probs = [...prob, 1 - sum];
    } else {
      assert(typeof prob === 'number' && prob >= 0 && prob <= 1, () => `RandomFlip: prob must be a float in [0, 1] or a list of floats, got ${JSON.stringify(prob)}`);
      this.probs = [...this.directions.map(() => prob / this.directions.length), 1 - prob];
    }
  }

  transform(results: Results): Results {
    const img = requireAnyImage(results, 'RandomFlip');
    const p = this.drawParams<FlipParams>(results, (rng) => {
      const i = rng.choice(this.probs);
      return i < this.directions.length ? { flip: true, flip_direction: this.directions[i] } : { flip: false, flip_direction: null };
    }, (v) => {
      const r = v as FlipParams;
      assert(r && typeof r.flip === 'boolean', () => `RandomFlip: replayed params need a boolean 'flip', got ${JSON.stringify(v)}`);
      return { flip: r.flip, flip_direction: r.flip ? (r.flip_direction ?? this.directions[0]) : null };
    });
    results.flip = p.flip;
    results.flip_direction = p.flip_direction;
    if (p.flip && p.flip_direction) results.img = imflip(img, p.flip_direction);
    return results;
  }
}

/** mmcv `RandomGrayscale`: with probability `prob`, a weighted channel sum (truncated to uint8). */
export class RandomGrayscale extends BaseTransform {
  readonly typeName = 'RandomGrayscale';
  readonly opts: {
    /** Default: 0.1 */
    prob: number;
    /** repeat the grey channel to the input channel count; Default: false */
    keep_channels: boolean;
    /** per-channel weights in the image's channel order, normalised; Default: (1, 1, 1) */
    channel_weights: number[];
    /** 'bgr' or 'rgb' ('hsv' is not supported here); Default: 'bgr' */
    color_format: 'bgr' | 'rgb';
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('RandomGrayscale', cfg, { prob: 0.1, keep_channels: false, channel_weights: [1, 1, 1], color_format: 'bgr' as const });
    checkNumber(this.opts.prob, 'RandomGrayscale.prob', 0, 1);
    checkChoice(this.opts.color_format, 'RandomGrayscale.color_format', ['bgr', 'rgb']);
  }

  transform(results: Results): Results {
    const img = requireImage(results, 'RandomGrayscale');
    const { grayscale } = this.drawParams(results, (rng) => ({ grayscale: rng.random() < this.opts.prob }));
    if (!grayscale || img.channels === 1) return results;
    const wts = this.opts.channel_weights;
    assert(wts.length === img.channels, () => `RandomGrayscale: ${wts.length} channel_weights for a ${img.channels}-channel image`);
    const total = wts.reduce((a, b) => a + b, 0);
    const norm = wts.map((v) => v / total);
    const n = img.width * img.height;
    const cn = img.channels;
    const outCn = this.opts.keep_channels ? cn : 1;
    const out = createImage(img.height, img.width, outCn);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < cn; c++) s += norm[c] * img.data[i * cn + c];
      const v = Math.trunc(s) & 255;
      for (let c = 0; c < outCn; c++) out.data[i * outCn + c] = v;
    }
    results.img = out;
    return results;
  }
}

/** What `RandomErasing` drew (`fill_seed` regenerates a random fill). */
export interface EraseParams {
  erase: boolean;
  top?: number;
  left?: number;
  h?: number;
  w?: number;
  fill_seed?: number;
}

/** MMPretrain `RandomErasing`: erases a random rectangle with a constant or random fill. */
export class RandomErasing extends BaseTransform {
  readonly typeName = 'RandomErasing';
  readonly opts: {
    /** Default: 0.5 */
    erase_prob: number;
    /** Default: 0.02 */
    min_area_ratio: number;
    /** Default: 0.4 */
    max_area_ratio: number;
    /** (min, max) or one value a → (a, 1/a); Default: (3/10, 10/3) */
    aspect_range: number | [number, number];
    /** 'const' or 'rand'; Default: 'const' */
    mode: 'const' | 'rand';
    /** Default: (128, 128, 128) */
    fill_color: number | number[];
    /** with mode 'rand': normal(fill_color, fill_std) instead of uniform 0–255; Default: null */
    fill_std: number | number[] | null;
  };
  private readonly aspect: [number, number];
  private readonly fillColor: number[];
  private readonly fillStd: number[] | null;

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('RandomErasing', cfg, { erase_prob: 0.5, min_area_ratio: 0.02, max_area_ratio: 0.4, aspect_range: [3 / 10, 10 / 3] as number | [number, number], mode: 'const' as 'const' | 'rand', fill_color: [128, 128, 128] as number | number[], fill_std: null as number | number[] | null });
    const o = this.opts;
    checkNumber(o.erase_prob, 'RandomErasing.erase_prob', 0, 1);
    checkNumber(o.min_area_ratio, 'RandomErasing.min_area_ratio', 0, 1);
    checkNumber(o.max_area_ratio, 'RandomErasing.max_area_ratio', 0, 1);
    assert(o.min_area_ratio <= o.max_area_ratio, () => 'RandomErasing: min_area_ratio should be smaller than max_area_ratio');
    if (typeof o.aspect_range === 'number') {
      const a = Math.min(o.aspect_range, 1 / o.aspect_range);
      this.aspect = [a, 1 / a];
    } else {
      this.aspect = pair(o.aspect_range, 'RandomErasing.aspect_range');
    }
    assert(this.aspect[0] > 0 && this.aspect[0] <= this.aspect[1], () => `RandomErasing: aspect_range should be positive (min, max), got ${JSON.stringify(o.aspect_range)}`);
    checkChoice(o.mode, 'RandomErasing.mode', ['const', 'rand']);
    const three = (v: number | number[], who: string) => {
      const a = typeof v === 'number' ? [v, v, v] : v;
      assert(Array.isArray(a) && a.length === 3, () => `RandomErasing: ${who} should be a number or a sequence of three numbers`);
      return a;
    };
    this.fillColor = three(o.fill_color, 'fill_color');
    this.fillStd = o.fill_std === null ? null : three(o.fill_std, 'fill_std');
  }

  transform(results: Results): Results {
    const img = requireImage(results, 'RandomErasing');
    const { height: H, width: W } = img;
    const p = this.drawParams<EraseParams>(results, (rng) => {
      if (rng.random() > this.opts.erase_prob) return { erase: false };
      const logA = [Math.log(Math.fround(this.aspect[0])), Math.log(Math.fround(this.aspect[1]))];
      const aspect = Math.exp(rng.uniform(logA[0], logA[1]));
      const area = H * W * rng.uniform(this.opts.min_area_ratio, this.opts.max_area_ratio);
      const h = Math.min(pyRound(Math.sqrt(area * aspect)), H);
      const w = Math.min(pyRound(Math.sqrt(area / aspect)), W);
      const top = H > h ? rng.randint(0, H - h) : 0;
      const left = W > w ? rng.randint(0, W - w) : 0;
      return { erase: true, top, left, h, w, ...(this.opts.mode === 'rand' ? { fill_seed: rng.nextSeed() } : {}) };
    });
    if (!p.erase) return results;
    const out = { ...img, data: img.data.slice() };
    const { top = 0, left = 0, h = 0, w = 0 } = p;
    const cn = img.channels;
    const fillRng = new Generator(p.fill_seed ?? 0);
    for (let y = top; y < top + h; y++) {
      for (let x = left; x < left + w; x++) {
        for (let c = 0; c < cn; c++) {
          let v: number;
          if (this.opts.mode === 'const') v = Math.trunc(this.fillColor[c % 3]) & 255;
          else if (!this.fillStd) v = Math.trunc(fillRng.uniform(0, 256));
          else v = Math.min(255, Math.max(0, Math.trunc(fillRng.normal(this.fillColor[c % 3], this.fillStd[c % 3]))));
          out.data[(y * W + x) * cn + c] = v;
        }
      }
    }
    results.img = out;
    return results;
  }
}

/** What `ColorJitter` drew: the order of the four ops and each factor (null when disabled). */
export interface JitterParams {
  order: number[];
  brightness: number | null;
  contrast: number | null;
  saturation: number | null;
  hue: number | null;
}

/** MMPretrain `ColorJitter`: brightness, contrast, saturation and hue factors in a random order. */
export class ColorJitter extends BaseTransform {
  readonly typeName = 'ColorJitter';
  readonly opts: {
    /** x → factor in [max(0, 1-x), 1+x], or (min, max); Default: 0 */
    brightness: number | [number, number];
    /** Default: 0 */
    contrast: number | [number, number];
    /** Default: 0 */
    saturation: number | [number, number];
    /** x → shift in [-x, x] (x ≤ 0.5), or (min, max) within [-0.5, 0.5]; Default: 0 */
    hue: number | [number, number];
    /** 'pillow' (default, as MMPretrain) or 'cv2' */
    backend: ColorBackend;
  };
  private readonly ranges: ([number, number] | null)[];

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('ColorJitter', cfg, { brightness: 0 as number | [number, number], contrast: 0 as number | [number, number], saturation: 0 as number | [number, number], hue: 0 as number | [number, number], backend: 'pillow' as ColorBackend });
    checkChoice(this.opts.backend, 'ColorJitter.backend', ['cv2', 'pillow']);
    this.ranges = [
      jitterRange(this.opts.brightness, 'brightness', 1, [0, Infinity]),
      jitterRange(this.opts.contrast, 'contrast', 1, [0, Infinity]),
      jitterRange(this.opts.saturation, 'saturation', 1, [0, Infinity]),
      jitterRange(this.opts.hue, 'hue', 0, [-0.5, 0.5]),
    ];
  }

  transform(results: Results): Results {
    let img = requireImage(results, 'ColorJitter');
    const p = this.drawParams<JitterParams>(results, (rng) => {
      const order = rng.permutation(4);
      const [b, c, s, h] = this.ranges.map((r) => (r ? rng.uniform(r[0], r[1]) : null));
      return { order, brightness: b, contrast: c, saturation: s, hue: h };
    });
    const backend = this.opts.backend;
    for (const i of p.order) {
      if (i === 0 && p.brightness !== null) img = adjustBrightness(img, p.brightness, backend);
      else if (i === 1 && p.contrast !== null) img = adjustContrast(img, p.contrast, backend);
      else if (i === 2 && p.saturation !== null) img = adjustColor(img, p.saturation, null, 0, backend);
      else if (i === 3 && p.hue !== null) img = adjustHue(img, p.hue, backend);
    }
    results.img = img;
    return results;
  }
}

/** `ColorJitter._set_range`: a number → centre ± value; a pair is clipped to `bound`; no-op ranges → null. */
function jitterRange(value: number | [number, number], name: string, center: number, bound: [number, number]): [number, number] | null {
  let r: [number, number];
  if (typeof value === 'number') {
    assert(value >= 0, () => `ColorJitter: If ${name} is a single number, it must be non negative.`);
    r = [center - value, center + value];
  } else {
    assert(Array.isArray(value) && value.length === 2, () => `ColorJitter: ${name} should be a single number or a list/tuple with length 2.`);
    r = [value[0], value[1]];
  }
  if (!(bound[0] <= r[0] && r[0] <= r[1] && r[1] <= bound[1])) {
    r = [Math.min(Math.max(r[0], bound[0]), bound[1]), Math.min(Math.max(r[1], bound[0]), bound[1])];
  }
  return r[0] === center && r[1] === center ? null : r;
}

/** MMPretrain `Lighting`: AlexNet-style PCA noise, `alpha ~ N(0, alphastd)` per eigenvalue. */
export class Lighting extends BaseTransform {
  readonly typeName = 'Lighting';
  readonly opts: {
    /** eigenvalues of the pixel covariance (required) */
    eigval: number[];
    /** 3 × len(eigval) eigenvectors (required) */
    eigvec: number[][];
    /** Default: 0.1 */
    alphastd: number;
    /** convert to RGB first (the output stays RGB); Default: false */
    to_rgb: boolean;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('Lighting', cfg, { eigval: [] as number[], eigvec: [] as number[][], alphastd: 0.1, to_rgb: false }, ['eigval', 'eigvec']);
    const { eigval, eigvec } = this.opts;
    assert(Array.isArray(eigval), () => 'Lighting: eigval must be a sequence');
    assert(Array.isArray(eigvec) && eigvec.every((v) => Array.isArray(v) && v.length === eigvec[0].length), () => 'Lighting: eigvec must contain lists with equal length.');
    checkNumber(this.opts.alphastd, 'Lighting.alphastd', 0);
  }

  transform(results: Results): Results {
    const img = requireImage(results, 'Lighting');
    const { alpha } = this.drawParams(results, (rng) => ({ alpha: this.opts.eigval.map(() => rng.normal(0, this.opts.alphastd)) }));
    results.img = adjustLighting(img, this.opts.eigval, this.opts.eigvec, alpha, this.opts.to_rgb);
    return results;
  }
}

/** mmcv `Normalize`: `(img - mean) / std` in float32 (BGR → RGB first when `to_rgb`); adds `img_norm_cfg`. */
export class Normalize extends BaseTransform {
  readonly typeName = 'Normalize';
  readonly opts: {
    /** per-channel mean (required) */
    mean: number[];
    /** per-channel std (required) */
    std: number[];
    /** convert BGR to RGB first; Default: true */
    to_rgb: boolean;
  };

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('Normalize', cfg, { mean: [] as number[], std: [] as number[], to_rgb: true }, ['mean', 'std']);
    assert(this.opts.mean.length === this.opts.std.length && this.opts.std.every((v) => v !== 0), () => `Normalize: mean and std must have equal lengths and std no zeros, got ${JSON.stringify(this.opts)}`);
  }

  transform(results: Results): Results {
    const img = results.img;
    assert(img, () => "Normalize: no 'img' in results");
    const { mean, std, to_rgb } = this.opts;
    const cn = img.channels;
    assert(mean.length === cn, () => `Normalize: ${mean.length} means for a ${cn}-channel image`);
    const out = new Float32Array(img.data.length);
    const inv = std.map((v) => 1 / v);
    for (let i = 0; i < out.length; i += cn) {
      for (let c = 0; c < cn; c++) {
        const src = to_rgb && cn === 3 ? img.data[i + 2 - c] : img.data[i + c];
        out[i + c] = Math.fround(Math.fround(src - mean[c]) * inv[c]);
      }
    }
    results.img = { ...img, data: out };
    results.img_norm_cfg = { mean, std, to_rgb };
    return results;
  }
}
