/**
 * RegNet (MMPretrain `backbones/regnet.py`): a ResNet whose per-stage widths and group widths come from the
 * quantised linear rule (w0, wa, wm, depth, group_w, bot_mul); 3×3 stride-2 stem without max pool; ResNeXt blocks
 * with expansion 1.
 */
import type { ConvCfg, NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import type { InitCfg } from '../nn/init';
import { Bottleneck, ResNet, type BlockOptions } from './resnet';

/** The RegNet design parameters. */
export interface RegNetArch {
  w0: number;
  wa: number;
  wm: number;
  group_w: number;
  depth: number;
  bot_mul: number;
}

export const REGNET_ARCH_SETTINGS: Record<string, RegNetArch> = {
  'regnetx_400mf': { w0: 24, wa: 24.48, wm: 2.54, group_w: 16, depth: 22, bot_mul: 1.0 },
  'regnetx_800mf': { w0: 56, wa: 35.73, wm: 2.28, group_w: 16, depth: 16, bot_mul: 1.0 },
  'regnetx_1.6gf': { w0: 80, wa: 34.01, wm: 2.25, group_w: 24, depth: 18, bot_mul: 1.0 },
  'regnetx_3.2gf': { w0: 88, wa: 26.31, wm: 2.25, group_w: 48, depth: 25, bot_mul: 1.0 },
  'regnetx_4.0gf': { w0: 96, wa: 38.65, wm: 2.43, group_w: 40, depth: 23, bot_mul: 1.0 },
  'regnetx_6.4gf': { w0: 184, wa: 60.83, wm: 2.07, group_w: 56, depth: 17, bot_mul: 1.0 },
  'regnetx_8.0gf': { w0: 80, wa: 49.56, wm: 2.88, group_w: 120, depth: 23, bot_mul: 1.0 },
  'regnetx_12gf': { w0: 168, wa: 73.36, wm: 2.37, group_w: 112, depth: 19, bot_mul: 1.0 },
};

/** Python's / NumPy's round (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Per-block widths and the number of stages (`generate_regnet`). */
export function generateRegNet(w0: number, wa: number, wm: number, depth: number, divisor = 8): { widths: number[]; numStages: number } {
  if (!(wa >= 0)) throw new Error('AssertionError: width_slope >= 0');
  if (!(w0 > 0)) throw new Error('AssertionError: initial_width > 0');
  if (!(wm > 1)) throw new Error('AssertionError: width_parameter > 1');
  if (w0 % divisor !== 0) throw new Error(`AssertionError: initial_width % divisor == 0 (w0=${w0}, divisor=${divisor})`);
  const widths = Array.from({ length: depth }, (_, i) => {
    const cont = i * wa + w0;
    const k = roundHalfEven(Math.log(cont / w0) / Math.log(wm));
    return roundHalfEven((w0 * Math.pow(wm, k)) / divisor) * divisor;
  });
  return { widths, numStages: new Set(widths).size };
}

/** Stage widths and block counts from per-block widths (`get_stages_from_blocks`). */
export function stagesFromBlocks(widths: number[]): { stageWidths: number[]; stageBlocks: number[] } {
  const starts: number[] = [];
  const stageWidths: number[] = [];
  widths.forEach((w, i) => {
    if (i === 0 || w !== widths[i - 1]) {
      starts.push(i);
      stageWidths.push(w);
    }
  });
  starts.push(widths.length);
  return { stageWidths, stageBlocks: starts.slice(1).map((s, i) => s - starts[i]) };
}

/** Makes stage widths compatible with group widths (`adjust_width_group`). */
export function adjustWidthGroup(widths: number[], botMul: number[], groups: number[]): { widths: number[]; groups: number[] } {
  let bot = widths.map((w, i) => Math.trunc(w * botMul[i]));
  const g = groups.map((gw, i) => Math.min(gw, bot[i]));
  bot = bot.map((w, i) => Math.trunc(roundHalfEven(w / g[i]) * g[i]));
  return { widths: bot.map((w, i) => Math.trunc(w / botMul[i])), groups: g };
}

export interface RegNetOptions {
  /** A name of `REGNET_ARCH_SETTINGS` or a dict {w0, wa, wm, group_w, depth, bot_mul}. */
  arch: string | RegNetArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 32. */
  stem_channels?: number;
  /** Default: 32 (unused by the blocks, as in MMPretrain). */
  base_channels?: number;
  /** Default: [2, 2, 2, 2]. */
  strides?: number[];
  /** Default: [1, 1, 1, 1]. */
  dilations?: number[];
  /** Default: [3]. */
  out_indices?: number[];
  /** Default: 'pytorch'. */
  style?: 'pytorch' | 'caffe';
  /** Must be false (not implemented by MMPretrain either). */
  deep_stem?: boolean;
  /** Default: false. */
  avg_down?: boolean;
  /** Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  norm_cfg?: NormCfg;
  norm_eval?: boolean;
  with_cp?: boolean;
  /** Default: true. */
  zero_init_residual?: boolean;
  /** Default: none (PyTorch's default layer init). */
  init_cfg?: InitCfg | InitCfg[] | null;
}

const REGNET_KEYS = [
  'arch', 'in_channels', 'stem_channels', 'base_channels', 'strides', 'dilations', 'out_indices', 'style', 'deep_stem', 'avg_down',
  'frozen_stages', 'conv_cfg', 'norm_cfg', 'norm_eval', 'with_cp', 'zero_init_residual', 'init_cfg',
];
const ARCH_KEYS = ['w0', 'wa', 'wm', 'group_w', 'depth', 'bot_mul'];

/** Resolves `arch` into per-stage widths, blocks and group widths. */
export function regnetStages(archIn: string | RegNetArch): { stageWidths: number[]; stageBlocks: number[]; groupWidths: number[]; botMul: number[]; numStages: number } {
  let arch: RegNetArch;
  if (typeof archIn === 'string') {
    const a = REGNET_ARCH_SETTINGS[archIn];
    if (!a) throw new Error(`"arch": "${archIn}" is not one of the arch_settings (${Object.keys(REGNET_ARCH_SETTINGS).join(', ')})`);
    arch = a;
  } else if (archIn && typeof archIn === 'object' && !Array.isArray(archIn)) {
    const missing = ARCH_KEYS.filter((k) => !(k in archIn));
    if (missing.length) throw new Error(`Custom arch needs a dict with keys {${ARCH_KEYS.join(', ')}} (missing ${missing.join(', ')})`);
    arch = archIn;
  } else {
    throw new TypeError(`Expect "arch" to be either a string or a dict, got ${Array.isArray(archIn) ? 'list' : typeof archIn}`);
  }
  const { widths, numStages } = generateRegNet(arch.w0, arch.wa, arch.wm, arch.depth);
  const { stageWidths, stageBlocks } = stagesFromBlocks(widths);
  const botMul = Array(numStages).fill(arch.bot_mul);
  const adj = adjustWidthGroup(stageWidths, botMul, Array(numStages).fill(arch.group_w));
  return { stageWidths: adj.widths, stageBlocks, groupWidths: adj.groups, botMul, numStages };
}

/** RegNetX backbones: `conv1`, `bn1`, then `layer1…layerN` of ResNeXt bottlenecks (`downsample.0/1`). */
export class RegNet extends ResNet {
  readonly stageWidths: number[];
  readonly groupWidths: number[];
  readonly bottleneckRatio: number[];

  constructor(opts: RegNetOptions) {
    checkKeys(opts, REGNET_KEYS, 'RegNet');
    const { arch, deep_stem = false, strides = [2, 2, 2, 2], stem_channels = 32, base_channels = 32, init_cfg = null, ...rest } = opts;
    const st = regnetStages(arch);
    if (deep_stem) throw new Error('deep_stem has not been implemented for RegNet');
    const stageExtras: Partial<BlockOptions>[] = st.stageWidths.map((w, i) => {
      const width = roundHalfEven(w * st.botMul[i]);
      return { base_channels: w, groups: Math.floor(width / st.groupWidths[i]), width_per_group: st.groupWidths[i] };
    });
    super(
      { ...rest, depth: st.stageBlocks.reduce((a, b) => a + b, 0), num_stages: st.numStages, strides, stem_channels, base_channels, init_cfg },
      {
        name: 'RegNet',
        archSettings: {},
        stem: { kernel_size: 3, stride: 2, maxpool: false },
        stagePlan: { block: Bottleneck, numBlocks: st.stageBlocks, outChannels: st.stageWidths, expansion: 1, stageExtras },
      },
    );
    this.stageWidths = st.stageWidths;
    this.groupWidths = st.groupWidths;
    this.bottleneckRatio = st.botMul;
  }
}
