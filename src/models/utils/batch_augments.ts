/**
 * Batch augments (MMPretrain `models/utils/batch_augments`): `Mixup`, `CutMix`, `ResizeMix` and `RandomBatchAugment`
 * (the `train_cfg=dict(augments=[...], probs=...)` wrapper the data preprocessor applies in training).
 * Inputs NCHW, scores (N, C) one-hot or soft; each `apply` draws from the generator it is given (the data
 * preprocessor's, seeded from the run's seed).
 */
import { tf, type Tensor, type Tensor4D } from '../../backends/tf';
import { MODELS } from '../../registry';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import type { Generator } from '../../utils/random';
import type { BatchAugment } from './data_preprocessor';

function gatherBatch(x: Tensor, index: number[]): Tensor {
  return tf.gather(x, tf.tensor1d(index, 'int32'), 0);
}

/** Mixup: λ ~ Beta(α, α); x' = λx + (1−λ)x[perm], y' likewise. */
export class Mixup implements BatchAugment {
  readonly alpha: number;
  constructor(opts: { alpha: number }) {
    checkKeys(opts, ['alpha'], 'Mixup');
    assert(typeof opts.alpha === 'number' && opts.alpha > 0, () => `Mixup: alpha must be a positive number, got ${opts.alpha}`);
    this.alpha = opts.alpha;
  }
  /** `mix` with explicit draws (λ and permutation), for tests and replay. */
  mixWith(x: Tensor4D, y: Tensor, lam: number, index: number[]): [Tensor4D, Tensor] {
    return tf.tidy(() => [
      tf.add(tf.mul(x, lam), tf.mul(gatherBatch(x, index), 1 - lam)) as Tensor4D,
      tf.add(tf.mul(y, lam), tf.mul(gatherBatch(y, index), 1 - lam)),
    ]);
  }
  apply(x: Tensor4D, y: Tensor, g: Generator): [Tensor4D, Tensor] {
    assert(y.rank === 2, () => 'Mixup: the scores must be (N, C); set to_onehot or num_classes in the data preprocessor');
    return this.mixWith(x, y, g.beta(this.alpha, this.alpha), g.permutation(x.shape[0]));
  }
}

/** CutMix: paste a random box from x[perm]; λ corrected to the box's area (as `correct_lam`). */
export class CutMix implements BatchAugment {
  readonly alpha: number;
  readonly cutmixMinmax: [number, number] | null;
  readonly correctLam: boolean;
  constructor(opts: { alpha: number; cutmix_minmax?: [number, number] | null; correct_lam?: boolean }) {
    checkKeys(opts, ['alpha', 'cutmix_minmax', 'correct_lam'], 'CutMix');
    this.alpha = opts.alpha;
    this.cutmixMinmax = opts.cutmix_minmax ?? null;
    this.correctLam = opts.correct_lam ?? true;
  }

  /** The box (y1, y2, x1, x2) and λ, as `cutmix_bbox_and_lam`. */
  bboxAndLam(h: number, w: number, lam: number, g: Generator): [[number, number, number, number], number] {
    let box: [number, number, number, number];
    if (this.cutmixMinmax) {
      const [lo, hi] = this.cutmixMinmax;
      const ch = g.randint(Math.trunc(h * lo), Math.trunc(h * hi));
      const cw = g.randint(Math.trunc(w * lo), Math.trunc(w * hi));
      const yl = g.randint(0, h - ch);
      const xl = g.randint(0, w - cw);
      box = [yl, yl + ch, xl, xl + cw];
    } else {
      const ratio = Math.sqrt(1 - lam);
      const ch = Math.trunc(h * ratio), cw = Math.trunc(w * ratio);
      const cy = g.randint(0, h), cx = g.randint(0, w);
      const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
      box = [clip(cy - (ch >> 1), h), clip(cy + (ch >> 1), h), clip(cx - (cw >> 1), w), clip(cx + (cw >> 1), w)];
    }
    if (this.correctLam || this.cutmixMinmax) lam = 1 - ((box[1] - box[0]) * (box[3] - box[2])) / (h * w);
    return [box, lam];
  }

  mixWith(x: Tensor4D, y: Tensor, box: [number, number, number, number], lam: number, index: number[]): [Tensor4D, Tensor] {
    const [y1, y2, x1, x2] = box;
    const [, , h, w] = x.shape;
    return tf.tidy(() => {
      const mask = tf.buffer([1, 1, h, w]);
      for (let i = y1; i < y2; i++) for (let j = x1; j < x2; j++) mask.set(1, 0, 0, i, j);
      const m = mask.toTensor();
      const mixed = tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(gatherBatch(x, index), m)) as Tensor4D;
      return [mixed, tf.add(tf.mul(y, lam), tf.mul(gatherBatch(y, index), 1 - lam))];
    });
  }

  apply(x: Tensor4D, y: Tensor, g: Generator): [Tensor4D, Tensor] {
    const lam0 = g.beta(this.alpha, this.alpha);
    const index = g.permutation(x.shape[0]);
    const [box, lam] = this.bboxAndLam(x.shape[2], x.shape[3], lam0, g);
    return this.mixWith(x, y, box, lam, index);
  }
}

/**
 * ResizeMix: the whole of x[perm], resized (bilinear, `align_corners=False`) into a CutMix box; λ drawn from
 * Beta(α, α) scaled to [lam_min, lam_max], then corrected to the box's area.
 */
export class ResizeMix extends CutMix {
  readonly lamMin: number;
  readonly lamMax: number;
  constructor(opts: { alpha: number; lam_min?: number; lam_max?: number; interpolation?: string; cutmix_minmax?: [number, number] | null; correct_lam?: boolean }) {
    const { lam_min = 0.1, lam_max = 0.8, interpolation = 'bilinear', ...cutmix } = opts;
    super(cutmix);
    assert(interpolation === 'bilinear', () => `ResizeMix: interpolation '${interpolation}' is not supported (bilinear only)`);
    assert(lam_min >= 0 && lam_max <= 1 && lam_min <= lam_max, () => `ResizeMix: need 0 <= lam_min <= lam_max <= 1, got ${lam_min}, ${lam_max}`);
    this.lamMin = lam_min;
    this.lamMax = lam_max;
  }

  override mixWith(x: Tensor4D, y: Tensor, box: [number, number, number, number], lam: number, index: number[]): [Tensor4D, Tensor] {
    const [y1, y2, x1, x2] = box;
    const [, , h, w] = x.shape;
    return tf.tidy(() => {
      const scores = tf.add(tf.mul(y, lam), tf.mul(gatherBatch(y, index), 1 - lam));
      if (y2 <= y1 || x2 <= x1) return [x, scores];
      const source = tf.transpose(gatherBatch(x, index), [0, 2, 3, 1]) as Tensor4D;
      const patch = tf.image.resizeBilinear(source, [y2 - y1, x2 - x1], false, true);
      const placed = tf.transpose(tf.pad(patch, [[0, 0], [y1, h - y2], [x1, w - x2], [0, 0]]), [0, 3, 1, 2]);
      const mask = tf.pad(tf.ones([1, 1, y2 - y1, x2 - x1]), [[0, 0], [0, 0], [y1, h - y2], [x1, w - x2]]);
      return [tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(placed, mask)) as Tensor4D, scores];
    });
  }

  override apply(x: Tensor4D, y: Tensor, g: Generator): [Tensor4D, Tensor] {
    const lam0 = g.beta(this.alpha, this.alpha) * (this.lamMax - this.lamMin) + this.lamMin;
    const index = g.permutation(x.shape[0]);
    const [box, lam] = this.bboxAndLam(x.shape[2], x.shape[3], lam0, g);
    return this.mixWith(x, y, box, lam, index);
  }
}

/** Picks one of `augments` per batch with `probs` (the remainder means "no augment"). */
export class RandomBatchAugment implements BatchAugment {
  readonly augments: (BatchAugment | null)[];
  readonly probs: number[] | null;
  constructor(opts: { augments: Record<string, unknown> | Record<string, unknown>[]; probs?: number | number[] | null }) {
    checkKeys(opts, ['augments', 'probs'], 'RandomBatchAugment (train_cfg)');
    const list = Array.isArray(opts.augments) ? opts.augments : [opts.augments];
    this.augments = list.map((a) => MODELS.build<BatchAugment>(a as { type: string }));
    let probs = typeof opts.probs === 'number' ? [opts.probs] : (opts.probs ?? null);
    if (probs) {
      assert(probs.length === list.length, () => `\`\`augments\`\` and \`\`probs\`\` must have same lengths. Got ${list.length} vs ${probs!.length}.`);
      const total = probs.reduce((a, b) => a + b, 0);
      assert(total <= 1 + 1e-9, () => 'The total probability of batch augments exceeds 1.');
      this.augments.push(null);
      probs = [...probs, 1 - total];
    }
    this.probs = probs;
  }
  apply(x: Tensor4D, y: Tensor, g: Generator): [Tensor4D, Tensor] {
    const i = this.probs ? g.choice(this.probs) : g.randint(0, this.augments.length);
    const aug = this.augments[i];
    return aug ? aug.apply(x, y, g) : [x, y];
  }
}
