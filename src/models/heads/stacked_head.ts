/** `StackedLinearClsHead` (MMPretrain `heads/stacked_head.py`): `layers.i` LinearBlocks (`fc`, `norm`, `act`, `dropout`). */
import type { Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { ModuleList } from '../nn/container';
import { Dropout } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { Module, runChain, type AnyModule } from '../nn/module';
import { ClsHead, CLS_HEAD_KEYS, type ClsHeadOptions } from './cls_head';

/** fc → norm → act → dropout, children named as MMPretrain's `LinearBlock`. */
export class LinearBlock extends Module {
  constructor(inChannels: number, outChannels: number, dropoutRate = 0, normCfg: NormCfg | null = null, actCfg: ActCfg | null = null) {
    super();
    this.addModule('fc', new Linear({ in_features: inChannels, out_features: outChannels }));
    if (normCfg) this.addModule('norm', buildNormLayer({ ...normCfg, type: normCfg.type === 'BN' ? 'BN1d' : normCfg.type }, outChannels)[1]);
    if (actCfg) this.addModule('act', buildActivationLayer(actCfg));
    if (dropoutRate > 0) this.addModule('dropout', new Dropout(dropoutRate));
  }
  forward(x: Tensor): Tensor {
    return runChain(this.namedChildren().map(([, m]) => m as AnyModule), x);
  }
}

export interface StackedLinearClsHeadOptions extends ClsHeadOptions {
  num_classes: number;
  in_channels: number;
  mid_channels: number[];
  /** Default: 0. */
  dropout_rate?: number;
  /** Default: null. */
  norm_cfg?: NormCfg | null;
  /** Default: ReLU. */
  act_cfg?: ActCfg | null;
}

export class StackedLinearClsHead extends ClsHead {
  readonly layers: ModuleList<LinearBlock>;

  constructor(opts: StackedLinearClsHeadOptions) {
    super(opts, [...CLS_HEAD_KEYS, 'num_classes', 'in_channels', 'mid_channels', 'dropout_rate', 'norm_cfg', 'act_cfg']);
    assert(opts.num_classes > 0, () => `num_classes=${opts.num_classes} must be a positive integer`);
    assert(Array.isArray(opts.mid_channels) && opts.mid_channels.length > 0, () => '`mid_channels` of StackedLinearClsHead should be a sequence');
    const act = opts.act_cfg === undefined ? { type: 'ReLU' } : opts.act_cfg;
    this.layers = this.addModule('layers', new ModuleList<LinearBlock>());
    let inC = opts.in_channels;
    for (const hidden of opts.mid_channels) {
      this.layers.push(new LinearBlock(inC, hidden, opts.dropout_rate ?? 0, opts.norm_cfg ?? null, act));
      inC = hidden;
    }
    this.layers.push(new LinearBlock(inC, opts.num_classes));
  }

  override preLogits(feats: Tensor[]): Tensor {
    return runChain(this.layers.items().slice(0, -1), feats[feats.length - 1]);
  }

  override forward(feats: Tensor[]): Tensor {
    const pre = this.preLogits(feats);
    const out = this.layers.at(-1).call(pre);
    if (!feats.includes(pre)) pre.dispose();
    return out;
  }
}
