/**
 * `MoCoV3ViT` (MMPretrain `selfsup/mocov3.py`): a {@link VisionTransformer} with the extra `mocov3-s` arch, a fixed
 * (frozen) 2-D sin-cos `pos_embed` at init, MoCo v3's weight init, `stop_grad_conv1` (frozen patch projection),
 * its own `frozen_stages` (≥ 0 freezes the patch embedding, class token and position embedding, then the first
 * `frozen_stages` layers) and `norm_eval`.
 */
import { tf } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import type { Generator } from '../../utils/random';
import type { Conv2d } from '../nn/conv';
import { build2dSincosPositionEmbedding } from '../utils/sincos_pos_embed';
import { batchNormsToEval } from './base_backbone';
import { VIT_ARCH, VIT_KEYS, VisionTransformer, type VisionTransformerOptions, type VitArch } from './vision_transformer';

const MOCOV3_S: VitArch = { embed_dims: 384, num_layers: 12, num_heads: 12, feedforward_channels: 1536 };

export interface MoCoV3ViTOptions extends VisionTransformerOptions {
  /** Freeze the patch projection conv. Default: false. */
  stop_grad_conv1?: boolean;
  /** BatchNorms stay in eval mode while training. Default: false. */
  norm_eval?: boolean;
}

const MOCO_KEYS = [...VIT_KEYS, 'stop_grad_conv1', 'norm_eval'];

export class MoCoV3ViT extends VisionTransformer {
  static override archZoo: Record<string, VitArch> = { ...VIT_ARCH, 'mocov3-s': MOCOV3_S, 'mocov3-small': MOCOV3_S };
  readonly patchSize: number | [number, number];
  readonly mocoFrozenStages: number;
  readonly normEval: boolean;

  constructor(opts: MoCoV3ViTOptions = {}) {
    checkKeys(opts, MOCO_KEYS, 'MoCoV3ViT');
    assert(opts.patch_size !== undefined, () => "MoCoV3ViT: KeyError: 'patch_size' (the argument is required)");
    const { stop_grad_conv1 = false, frozen_stages = -1, norm_eval = false, ...rest } = opts;
    super(rest, 1, 'MoCoV3ViT', MOCO_KEYS);
    this.patchSize = opts.patch_size;
    this.mocoFrozenStages = frozen_stages;
    this.normEval = norm_eval;
    if (stop_grad_conv1) this.child('patch_embed').child('projection').requiresGrad(false);
    this.freezeMoco();
  }

  private freezeMoco(): void {
    if (this.mocoFrozenStages >= 0) {
      this.child('patch_embed').eval().requiresGrad(false);
      this.clsToken!.trainable = false;
      this.posEmbed!.trainable = false;
    }
    const layers = this.layers.items();
    for (let i = 1; i <= this.mocoFrozenStages; i++) {
      layers[i - 1].eval().requiresGrad(false);
      if (i === this.numLayers && this.finalNorm) this.child('ln1').requiresGrad(false);
    }
  }

  override train(mode = true): this {
    super.train(mode);
    // Called from the base constructor before this class's fields exist.
    if (this.mocoFrozenStages === undefined) return this;
    this.freezeMoco();
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /**
   * MoCo v3's `init_weights`: fixed sin-cos `pos_embed` (frozen), patch projection U(±√(6/(3·p²+C))) with zero bias,
   * `qkv` linears Xavier-uniform per Q/K/V block, other linears Xavier-uniform, linear biases zero, class token
   * N(0, 1e-6).
   */
  override afterInitWeights(rng: Generator): void {
    super.afterInitWeights(rng);
    const pe = this.posEmbed!;
    tf.tidy(() => {
      pe.assign(tf.tensor(build2dSincosPositionEmbedding(this.patchResolution, this.embedDims, 10000, true), pe.shape));
      const proj = this.child('patch_embed').child<Conv2d>('projection');
      const [ph, pw] = pair(this.patchSize);
      const val = Math.sqrt(6 / (3 * ph * pw + this.embedDims));
      const w = proj.param('weight');
      w.assign(tf.tensor(rng.uniformArray(w.size, -val, val), w.shape));
      if (proj.hasParam('bias')) proj.param('bias').assign(tf.zerosLike(proj.param('bias')));
      for (const [name, m] of this.namedModules()) {
        if (!(m instanceof Linear)) continue;
        const [out, inp] = m.weight.shape as [number, number];
        const a = name.includes('qkv') ? Math.sqrt(6 / (Math.floor(out / 3) + inp)) : Math.sqrt(6 / (out + inp));
        m.weight.assign(tf.tensor(rng.uniformArray(m.weight.size, -a, a), m.weight.shape));
        if (m.bias) m.bias.assign(tf.zerosLike(m.bias));
      }
      const cls = this.clsToken!;
      cls.assign(tf.tensor(rng.normalArray(cls.size, 0, 1e-6), cls.shape));
    });
    pe.trainable = false;
  }
}
