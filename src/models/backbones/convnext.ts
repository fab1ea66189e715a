/**
 * `ConvNeXt` v1 and v2 (MMPretrain `backbones/convnext.py`): `downsample_layers.N` (stem conv + norm, then norm +
 * 2×2 conv), `stages.N.M` of ConvNeXtBlock (`gamma`, `depthwise_conv`, `norm`, `pointwise_conv1`, optional `grn`,
 * `pointwise_conv2`), `norm{i}` per output stage; GAP before the final norm by default.
 * ConvNeXt V2 = `use_grn: true, layer_scale_init_value: 0`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import type { NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { ModuleList, Sequential } from '../nn/container';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import { resolveArch } from '../utils/arch_settings';
import { GRN } from '../utils/grn';
import { buildNormLayer2d } from '../utils/layer_norm_2d';
import { BaseBackbone, freeze, runStages } from './base_backbone';

/** `torch.linspace(start, end, steps)` as float32 values (stochastic-depth decay rule). */
export function linspace(start: number, end: number, steps: number): number[] {
  if (steps <= 0) return [];
  if (steps === 1) return [Math.fround(start)];
  const step = (end - start) / (steps - 1);
  // PyTorch fills the first half from the start and the second half back from the end.
  return Array.from({ length: steps }, (_, i) => Math.fround(i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step));
}

/** The block norm must accept MMPretrain's `data_format` argument, which only `LN2d` does. */
function checkBlockNorm(cfg: NormCfg): void {
  assert(cfg.type === 'LN2d', () => `ConvNeXt: norm_cfg type '${cfg.type}' is not supported: ConvNeXtBlock calls its norm with \`data_format\`, which only 'LN2d' (LayerNorm2d) accepts`);
}

export interface ConvNeXtBlockOptions {
  in_channels: number;
  /** Depthwise conv settings. Default: `{kernel_size: 7, padding: 3}`. */
  dw_conv_cfg?: { kernel_size?: number; padding?: number; stride?: number; dilation?: number; bias?: boolean };
  /** Default: LN2d eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Pointwise convs as `nn.Linear` (weights [out, in]) instead of 1×1 `nn.Conv2d`. Default: true. */
  linear_pw_conv?: boolean;
  drop_path_rate?: number;
  /** ≤ 0 disables the `gamma` layer scale. Default: 1e-6. */
  layer_scale_init_value?: number;
  use_grn?: boolean;
  /** Gradient checkpointing (accepted; no effect here). */
  with_cp?: boolean;
}

/** dwconv → norm → pw1 → act → (GRN) → pw2 → ×gamma, plus the shortcut through DropPath. */
export class ConvNeXtBlock extends Module {
  readonly gamma: tf.Variable | null;
  readonly linearPwConv: boolean;
  readonly withCp: boolean;
  /** Children applied in order before the layer scale (GRN sits between the two pointwise layers). */
  private readonly chain: string[];

  constructor(o: ConvNeXtBlockOptions) {
    super();
    checkKeys(o, ['in_channels', 'dw_conv_cfg', 'norm_cfg', 'act_cfg', 'mlp_ratio', 'linear_pw_conv', 'drop_path_rate', 'layer_scale_init_value', 'use_grn', 'with_cp'], 'ConvNeXtBlock');
    const { in_channels: c, dw_conv_cfg = { kernel_size: 7, padding: 3 }, norm_cfg = { type: 'LN2d', eps: 1e-6 }, act_cfg = { type: 'GELU' }, mlp_ratio = 4, linear_pw_conv = true, drop_path_rate = 0, layer_scale_init_value = 1e-6, use_grn = false, with_cp = false } = o;
    checkKeys(dw_conv_cfg, ['kernel_size', 'padding', 'stride', 'dilation', 'bias'], 'ConvNeXtBlock dw_conv_cfg');
    checkBlockNorm(norm_cfg);
    this.withCp = with_cp;
    this.linearPwConv = linear_pw_conv;
    assert(dw_conv_cfg.kernel_size !== undefined, () => "ConvNeXtBlock: dw_conv_cfg needs 'kernel_size'");
    this.addModule('depthwise_conv', new Conv2d({ in_channels: c, out_channels: c, groups: c, kernel_size: dw_conv_cfg.kernel_size, padding: dw_conv_cfg.padding ?? 0, stride: dw_conv_cfg.stride, dilation: dw_conv_cfg.dilation, bias: dw_conv_cfg.bias }));
    this.addModule('norm', buildNormLayer2d(norm_cfg, c));
    const mid = Math.trunc(mlp_ratio * c);
    const pw = (i: number, o2: number): AnyModule => (linear_pw_conv ? new Linear({ in_features: i, out_features: o2 }) : new Conv2d({ in_channels: i, out_channels: o2, kernel_size: 1 }));
    this.addModule('pointwise_conv1', pw(c, mid));
    this.addModule('act', buildActivationLayer(act_cfg));
    this.addModule('pointwise_conv2', pw(mid, c));
    if (use_grn) this.addModule('grn', new GRN(mid));
    this.chain = ['depthwise_conv', 'norm', 'pointwise_conv1', 'act', ...(use_grn ? ['grn'] : []), 'pointwise_conv2'];
    this.gamma = layer_scale_init_value > 0 ? this.registerParameter('gamma', [c], layer_scale_init_value) : null;
    this.addModule('drop_path', drop_path_rate > 0 ? new DropPath(drop_path_rate) : new Identity());
  }

  override typeNames(): string[] {
    return ['ConvNeXtBlock'];
  }

  /** x: NHWC. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const n of this.chain) y = this.child(n).call(y) as Tensor;
      if (this.gamma) y = tf.mul(y, this.gamma);
      return tf.add(x, this.child('drop_path').call(y) as Tensor);
    });
  }
}

type ConvNeXtArch = { depths: number[]; channels: number[] };

export const CONVNEXT_ARCH: Record<string, ConvNeXtArch> = {
  atto: { depths: [2, 2, 6, 2], channels: [40, 80, 160, 320] },
  femto: { depths: [2, 2, 6, 2], channels: [48, 96, 192, 384] },
  pico: { depths: [2, 2, 6, 2], channels: [64, 128, 256, 512] },
  nano: { depths: [2, 2, 8, 2], channels: [80, 160, 320, 640] },
  tiny: { depths: [3, 3, 9, 3], channels: [96, 192, 384, 768] },
  small: { depths: [3, 3, 27, 3], channels: [96, 192, 384, 768] },
  base: { depths: [3, 3, 27, 3], channels: [128, 256, 512, 1024] },
  large: { depths: [3, 3, 27, 3], channels: [192, 384, 768, 1536] },
  xlarge: { depths: [3, 3, 27, 3], channels: [256, 512, 1024, 2048] },
  huge: { depths: [3, 3, 27, 3], channels: [352, 704, 1408, 2816] },
};

export interface ConvNeXtOptions {
  /** A name of {@link CONVNEXT_ARCH} or `{depths, channels}`. Default: 'tiny'. */
  arch?: string | ConvNeXtArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 4. */
  stem_patch_size?: number;
  /** Default: LN2d eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: true. */
  linear_pw_conv?: boolean;
  /** Default: false. */
  use_grn?: boolean;
  /** Default: 0. */
  drop_path_rate?: number;
  /** Default: 1e-6 (0 for ConvNeXt V2). */
  layer_scale_init_value?: number;
  /** Stage indices; negative ones count from 4 (as MMPretrain). Default: -1. */
  out_indices?: number | number[];
  /** Stages (downsample layer and blocks) frozen. Default: 0. */
  frozen_stages?: number;
  /** Average the feature map before the output norm, giving (N, C). Default: true. */
  gap_before_final_norm?: boolean;
  with_cp?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'TruncNormal', layer: ['Conv2d', 'Linear'], std: 0.02, bias: 0 },
  { type: 'Constant', layer: ['LayerNorm'], val: 1, bias: 0 },
];

const KEYS = ['arch', 'in_channels', 'stem_patch_size', 'norm_cfg', 'act_cfg', 'linear_pw_conv', 'use_grn', 'drop_path_rate', 'layer_scale_init_value', 'out_indices', 'frozen_stages', 'gap_before_final_norm', 'with_cp', 'init_cfg'];

export class ConvNeXt extends BaseBackbone {
  readonly depths: number[];
  readonly channels: number[];
  readonly numStages: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly gapBeforeFinalNorm: boolean;
  readonly downsampleLayers: ModuleList<Sequential>;
  readonly stages: ModuleList<Sequential>;

  constructor(opts: ConvNeXtOptions = {}) {
    checkKeys(opts, KEYS, 'ConvNeXt');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { in_channels = 3, stem_patch_size = 4, norm_cfg = { type: 'LN2d', eps: 1e-6 }, act_cfg = { type: 'GELU' }, linear_pw_conv = true, use_grn = false, drop_path_rate = 0, layer_scale_init_value = 1e-6, out_indices = -1, frozen_stages = 0, gap_before_final_norm = true, with_cp = false } = opts;
    const arch = resolveArch(opts.arch ?? 'tiny', CONVNEXT_ARCH, (a) => {
      assert('depths' in a && 'channels' in a, () => `The arch dict must have "depths" and "channels", but got [${Object.keys(a).map((k) => `'${k}'`).join(', ')}].`);
    });
    this.depths = [...arch.depths];
    this.channels = [...arch.channels];
    assert(Array.isArray(this.depths) && Array.isArray(this.channels) && this.depths.length === this.channels.length, () => `The "depths" ([${this.depths}]) and "channels" ([${this.channels}]) should be both sequence with the same length.`);
    this.numStages = this.depths.length;
    checkBlockNorm(norm_cfg);

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? 4 + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    assert(frozen_stages <= this.numStages, () => `ConvNeXt: frozen_stages ${frozen_stages} exceeds the ${this.numStages} stages (list index out of range)`);
    this.frozenStages = frozen_stages;
    this.gapBeforeFinalNorm = gap_before_final_norm;

    const total = this.depths.reduce((a, b) => a + b, 0);
    const dpr = linspace(0, drop_path_rate, total);
    let blockIdx = 0;

    this.downsampleLayers = this.addModule('downsample_layers', new ModuleList<Sequential>());
    this.downsampleLayers.push(
      new Sequential(new Conv2d({ in_channels, out_channels: this.channels[0], kernel_size: stem_patch_size, stride: stem_patch_size }), buildNormLayer2d(norm_cfg, this.channels[0])),
    );
    this.stages = this.addModule('stages', new ModuleList<Sequential>());
    for (let i = 0; i < this.numStages; i++) {
      const c = this.channels[i];
      if (i >= 1) {
        this.downsampleLayers.push(new Sequential(buildNormLayer2d(norm_cfg, this.channels[i - 1]), new Conv2d({ in_channels: this.channels[i - 1], out_channels: c, kernel_size: 2, stride: 2 })));
      }
      const blocks = Array.from({ length: this.depths[i] }, (_, j) => new ConvNeXtBlock({ in_channels: c, drop_path_rate: dpr[blockIdx + j], norm_cfg, act_cfg, linear_pw_conv, layer_scale_init_value, use_grn, with_cp }));
      blockIdx += this.depths[i];
      this.stages.push(new Sequential(...blocks));
      if (this.outIndices.includes(i)) this.addModule(`norm${i}`, buildNormLayer2d(norm_cfg, c));
    }
    this.train(true);
  }

  /** x: NHWC. Per output stage: (N, C) after GAP + norm, or the normalised NHWC map. */
  forward(x: Tensor): Tensor[] {
    const mods: AnyModule[] = [];
    for (let i = 0; i < this.numStages; i++) mods.push(this.downsampleLayers.at(i), this.stages.at(i));
    const wanted = [...Array(this.numStages).keys()].filter((i) => this.outIndices.includes(i));
    const raw = runStages(x, mods, wanted.map((i) => 2 * i + 1));
    return raw.map((r, k) => {
      const i = wanted[k];
      const out = tf.tidy(() => {
        const norm = this.child(`norm${i}`);
        if (!this.gapBeforeFinalNorm) return norm.call(r) as Tensor;
        const y = norm.call(tf.mean(r, [1, 2], true)) as Tensor;
        return tf.reshape(y, [y.shape[0]!, -1]);
      });
      if (!this.stages.at(i).hasForwardHooks()) r.dispose();
      return out;
    });
  }

  private freezeStages(): void {
    for (let i = 0; i < this.frozenStages; i++) freeze([this.downsampleLayers.at(i), this.stages.at(i)]);
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    return this;
  }

  /** MMPretrain's `get_layer_depth` (layer-wise lr decay): `[layer_id, num_layers]` of a parameter. */
  getLayerDepth(paramName: string, prefix = ''): [number, number] {
    const maxLayerId = this.depths[this.depths.length - 2] > 9 ? 12 : 6;
    if (!paramName.startsWith(prefix)) return [maxLayerId + 1, maxLayerId + 2];
    const name = paramName.slice(prefix.length);
    const parts = name.split('.');
    let layerId: number;
    if (name.startsWith('downsample_layers')) {
      const stageId = Number(parts[1]);
      layerId = stageId === 0 ? 0 : stageId === 1 || stageId === 2 ? stageId + 1 : maxLayerId;
    } else if (name.startsWith('stages')) {
      const stageId = Number(parts[1]);
      const blockId = Number(parts[2]);
      layerId = stageId === 0 || stageId === 1 ? stageId + 1 : stageId === 2 ? 3 + Math.floor(blockId / 3) : maxLayerId;
    } else layerId = maxLayerId + 1;
    return [layerId, maxLayerId + 2];
  }
}
