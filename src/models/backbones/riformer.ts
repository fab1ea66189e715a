/**
 * `RIFormer` (MMPretrain `backbones/riformer.py`): the MetaFormer of `poolformer.ts` whose token mixer is
 * `norm1` + `token_mixer.affine` (depthwise 1×1 conv, minus the input) in the training form, and a single
 * `norm_reparam` in the deploy form (`deploy: true`). `switchToDeploy()` folds each block's norm and affine into
 * `norm_reparam` (γ·(w − 1), β·(w − 1) + b), giving the same outputs; the folded model's state dict then loads into a
 * `deploy: true` model.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildNormLayer } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { Module } from '../nn/module';
import { METAFORMER_KEYS, MetaFormer, MetaFormerBlock, type MetaFormerBlockOptions, type MetaFormerOptions } from './poolformer';

/** `affine(x) − x` with `affine` a depthwise 1×1 conv with bias. */
export class Affine extends Module {
  readonly affine: Conv2d;
  constructor(inFeatures: number) {
    super();
    this.affine = this.addModule('affine', new Conv2d({ in_channels: inFeatures, out_channels: inFeatures, kernel_size: 1, stride: 1, padding: 0, groups: inFeatures, bias: true }));
  }
  override typeNames(): string[] {
    return ['Affine'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => tf.sub(this.affine.call(x), x));
  }
}

const hasChild = (m: Module<unknown, unknown>, name: string): boolean => m.namedChildren().some(([n]) => n === name);

export interface RIFormerBlockOptions extends MetaFormerBlockOptions {
  /** Build the re-parameterised form (`norm_reparam`). Default: false. */
  deploy?: boolean;
}

export class RIFormerBlock extends MetaFormerBlock {
  deploy: boolean;

  constructor(o: RIFormerBlockOptions) {
    const { deploy = false, ...rest } = o;
    const normCfg = o.norm_cfg ?? { type: 'GN', num_groups: 1 };
    const norm = buildNormLayer(normCfg, o.dim)[1];
    super(rest, deploy ? [['norm_reparam', norm]] : [['norm1', norm], ['token_mixer', new Affine(o.dim)]]);
    this.deploy = deploy;
  }

  override typeNames(): string[] {
    return ['RIFormerBlock'];
  }

  protected mix(x: Tensor): Tensor {
    if (hasChild(this, 'norm_reparam')) return this.child('norm_reparam').call(x) as Tensor;
    return this.child('token_mixer').call(this.child('norm1').call(x) as Tensor) as Tensor;
  }

  /** `get_equivalent_scale_bias`: the folded norm's weight and bias (γ·(w − 1), β·(w − 1) + b). */
  equivalentScaleBias(): [Tensor, Tensor] {
    const norm = this.child('norm1');
    assert(norm.hasParam('weight') && norm.hasParam('bias'), () => 'RIFormerBlock: re-parameterisation needs an affine norm1 (weight and bias)');
    const affine = this.child<Affine>('token_mixer').affine;
    return tf.tidy(() => {
      const g = tf.sub(tf.reshape(affine.weight, [-1]), 1);
      return [tf.mul(norm.param('weight'), g), tf.add(tf.mul(norm.param('bias'), g), affine.bias!)] as [Tensor, Tensor];
    });
  }

  /**
   * MMPretrain's `switch_to_deploy`: replaces `norm1` and `token_mixer` by a fresh norm `norm_reparam` holding the
   * folded weight and bias (appended after the other children, as PyTorch's `setattr` does). No-op when deployed.
   */
  switchToDeploy(): void {
    if (this.deploy) return;
    const [s, b] = this.equivalentScaleBias();
    const reparam = buildNormLayer(this.normCfg, this.dim)[1];
    reparam.param('weight').assign(s);
    reparam.param('bias').assign(b);
    tf.dispose([s, b]);
    reparam.train(this.training);
    reparam.onWeightsChanged();
    this.removeModule('norm1');
    if (hasChild(this, 'token_mixer')) this.removeModule('token_mixer');
    this.addModule('norm_reparam', reparam);
    this.deploy = true;
  }
}

export interface RIFormerOptions extends MetaFormerOptions {
  /** Default: 3. */
  in_channels?: number;
  /** Stages frozen: `patch_embed` and `network[0..frozen_stages]` when ≥ 0. Default: -1 (none). */
  frozen_stages?: number;
  /** Build the re-parameterised (deploy) form. Default: false. */
  deploy?: boolean;
}

export class RIFormer extends MetaFormer {
  deploy: boolean;

  constructor(opts: RIFormerOptions = {}) {
    checkKeys(opts, [...METAFORMER_KEYS, 'in_channels', 'deploy'], 'RIFormer');
    const deploy = opts.deploy ?? false;
    super(opts, 'RIFormer', opts.in_channels ?? 3, -1, (o) => new RIFormerBlock({ ...o, deploy }));
    this.deploy = deploy;
    this.train(true);
  }

  protected frozenNetworkCount(): number {
    return Math.max(0, this.frozenStages + 1);
  }

  /** Re-parameterises every block (MMPretrain `switch_to_deploy`); outputs are unchanged. */
  switchToDeploy(): void {
    for (const [, m] of this.namedModules()) if (m instanceof RIFormerBlock) m.switchToDeploy();
    this.deploy = true;
  }
}
