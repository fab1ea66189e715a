/**
 * `ConvMixer` (MMPretrain `backbones/convmixer.py`): `stem` (patch conv, act, norm) and `stages.N` =
 * (Residual(depthwise 'same' conv, act, norm), 1×1 conv, act, norm). The activation is one module shared by every
 * position in MMPretrain (`self.act`, also the backbone's child `act`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d, type Conv2dOptions } from '../nn/conv';
import { Sequential } from '../nn/container';
import { pair } from '../nn/layout';
import type { InitCfg } from '../nn/init';
import { Module, type AnyModule } from '../nn/module';
import { pySetRepr, resolveArch } from '../utils/arch_settings';
import { BaseBackbone, freeze, runStages } from './base_backbone';

/** `fn(x) + x`; child `fn`. */
export class Residual extends Module {
  constructor(fn: AnyModule) {
    super();
    this.addModule('fn', fn);
  }
  override typeNames(): string[] {
    return ['Residual'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => tf.add(this.child('fn').call(x) as Tensor, x));
  }
}

/**
 * `nn.Conv2d(..., padding='same')` (stride 1): (k − 1)·d padding in total per axis, the odd one at the bottom / right,
 * as PyTorch. Symmetric cases use the plain padded convolution.
 */
export class SamePaddingConv2d extends Conv2d {
  private readonly asymmetric: [[number, number], [number, number]] | null;

  constructor(opts: Omit<Conv2dOptions, 'padding' | 'stride'>) {
    const k = pair(opts.kernel_size);
    const d = pair(opts.dilation ?? 1);
    const total = [(k[0] - 1) * d[0], (k[1] - 1) * d[1]];
    const symmetric = total.every((t) => t % 2 === 0);
    super({ ...opts, padding: symmetric ? 'same' : 0 });
    this.asymmetric = symmetric ? null : (total.map((t) => [t >> 1, t - (t >> 1)]) as [[number, number], [number, number]]);
  }

  /** x: NHWC. */
  override forward(x: Tensor): Tensor {
    const pad = this.asymmetric;
    if (!pad) return super.forward(x);
    return tf.tidy(() => super.forward(tf.pad(x, [[0, 0], pad[0], pad[1], [0, 0]])));
  }

  override extraRepr(): string {
    return super.extraRepr().replace(/, padding=\(\d+, \d+\)/, '').replace(/(stride=\(\d+, \d+\))/, '$1, padding=same');
  }
}

type ConvMixerArch = { embed_dims: number; depth: number; patch_size: number; kernel_size: number };

export const CONVMIXER_ARCH: Record<string, ConvMixerArch> = {
  '768/32': { embed_dims: 768, depth: 32, patch_size: 7, kernel_size: 7 },
  '1024/20': { embed_dims: 1024, depth: 20, patch_size: 14, kernel_size: 9 },
  '1536/20': { embed_dims: 1536, depth: 20, patch_size: 7, kernel_size: 9 },
};

export interface ConvMixerOptions {
  /** A name of {@link CONVMIXER_ARCH} or `{embed_dims, depth, patch_size, kernel_size}`. Default: '768/32'. */
  arch?: string | ConvMixerArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Stage indices; negative ones count from `depth`. Default: -1. */
  out_indices?: number | number[];
  /** Stages frozen. Default: 0. */
  frozen_stages?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const ESSENTIAL = ['embed_dims', 'depth', 'patch_size', 'kernel_size'];

export class ConvMixer extends BaseBackbone {
  readonly embedDims: number;
  readonly depth: number;
  readonly patchSize: number;
  readonly kernelSize: number;
  readonly outIndices: number[];
  readonly frozenStages: number;

  constructor(opts: ConvMixerOptions = {}) {
    checkKeys(opts, ['arch', 'in_channels', 'norm_cfg', 'act_cfg', 'out_indices', 'frozen_stages', 'init_cfg'], 'ConvMixer');
    super(opts.init_cfg ?? null);
    const { in_channels = 3, norm_cfg = { type: 'BN' }, act_cfg = { type: 'GELU' }, out_indices = -1, frozen_stages = 0 } = opts;
    const arch = resolveArch(opts.arch ?? '768/32', CONVMIXER_ARCH, (a) => {
      assert(ESSENTIAL.every((k) => k in a), () => `Custom arch needs a dict with keys ${pySetRepr(ESSENTIAL)}`);
    });
    this.embedDims = arch.embed_dims;
    this.depth = arch.depth;
    this.patchSize = arch.patch_size;
    this.kernelSize = arch.kernel_size;
    // MMPretrain shares one activation module everywhere; stateless, so each position gets its own instance here
    // (keeps hooks and module traversal per call site) and `act` stays listed as the backbone's child.
    this.addModule('act', buildActivationLayer(act_cfg));
    const act = () => buildActivationLayer(act_cfg);

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? this.depth + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    assert(frozen_stages <= this.depth, () => `ConvMixer: frozen_stages ${frozen_stages} exceeds the ${this.depth} stages (index out of range)`);
    this.frozenStages = frozen_stages;

    const d = this.embedDims;
    const norm = () => buildNormLayer(norm_cfg, d)[1];
    this.addModule('stem', new Sequential(new Conv2d({ in_channels, out_channels: d, kernel_size: this.patchSize, stride: this.patchSize }), act(), norm()));
    const dw = () => new SamePaddingConv2d({ in_channels: d, out_channels: d, kernel_size: this.kernelSize, groups: d });
    const stages = Array.from({ length: this.depth }, () => new Sequential(new Residual(new Sequential(dw(), act(), norm())), new Conv2d({ in_channels: d, out_channels: d, kernel_size: 1 }), act(), norm()));
    this.addModule('stages', new Sequential(...stages));
    this.train(true);
  }

  /** x: NHWC. */
  forward(x: Tensor): Tensor[] {
    const stages = this.child<Sequential>('stages');
    const mods = [this.child('stem'), ...Array.from({ length: this.depth }, (_, i) => stages.at(i))];
    return runStages(x, mods, this.outIndices, 1);
  }

  override train(mode = true): this {
    super.train(mode);
    const stages = this.child<Sequential>('stages');
    freeze(Array.from({ length: this.frozenStages }, (_, i) => stages.at(i)));
    return this;
  }
}
