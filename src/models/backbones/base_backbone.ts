/** Base class of backbones (MMPretrain `BaseBackbone`): a module mapping an NHWC batch to a tuple of features. */
import type { Tensor } from '../../backends/tf';
import { Module } from '../nn/module';
import type { InitCfg } from '../nn/init';

export abstract class BaseBackbone extends Module<Tensor, Tensor[]> {
  initCfg: InitCfg | InitCfg[] | null;

  constructor(initCfg: InitCfg | InitCfg[] | null | undefined = null) {
    super();
    this.initCfg = initCfg ?? null;
  }
}
