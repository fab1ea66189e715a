/**
 * `ClsBatchNormNeck` (MMPretrain `necks/mae_neck.py`, MAE linear probing): every backbone output (class tokens,
 * (N, C)) through one `bn` BatchNorm1d, by default without affine parameters and with eps 1e-6.
 */
import type { Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import type { InitCfg } from '../nn/init';
import { Module } from '../nn/module';
import { BatchNorm1d } from '../nn/norm';

export interface ClsBatchNormNeckOptions {
  input_features: number;
  /** Default: false. */
  affine?: boolean;
  /** Default: 1e-6. */
  eps?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

export class ClsBatchNormNeck extends Module<Tensor[], Tensor[]> {
  readonly bn: BatchNorm1d;
  initCfg: InitCfg | InitCfg[] | null;

  constructor(opts: ClsBatchNormNeckOptions) {
    super();
    checkKeys(opts, ['input_features', 'affine', 'eps', 'init_cfg'], 'ClsBatchNormNeck');
    const { input_features, affine = false, eps = 1e-6 } = opts;
    this.bn = this.addModule('bn', new BatchNorm1d({ num_features: input_features, affine, eps }));
    this.initCfg = opts.init_cfg ?? null;
  }

  forward(inputs: Tensor[]): Tensor[] {
    return inputs.map((x) => {
      assert(x.rank === 2, () => `ClsBatchNormNeck: expected (N, C) class tokens, got shape [${x.shape}]`);
      return this.bn.call(x);
    });
  }
}
