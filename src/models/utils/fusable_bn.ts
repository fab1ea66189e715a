/**
 * Conv / Linear pairs with a BatchNorm that fold into one biased layer for deployment (LeViT's
 * `ConvolutionBatchNorm`, `LinearBatchNorm`, `BatchNormLinear`; TinyViT's `ConvBN2d`), and MMPretrain's
 * `fuse_parameters`: every child with a `fuse()` is replaced, under the same name, by what `fuse()` returns.
 */
import { tf, type Tensor } from '../../backends/tf';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { Conv2d, type Conv2dOptions } from '../nn/conv';
import { Linear } from '../nn/linear';
import { Module, type AnyModule } from '../nn/module';
import { BatchNorm } from '../nn/norm';
import { allTrainable, convFromKernel, fuseBranch } from './reparam';

/** A module that folds into a single plain layer (its `fuse()` result replaces it). */
export interface Fusable {
  fuse(): AnyModule;
}

export function isFusable(m: unknown): m is Fusable {
  return typeof (m as Fusable | null)?.fuse === 'function';
}

/** `fuse_parameters(module)`: replaces each fusable child in place (same name, same state-dict position); recurses into the others. */
export function fuseParameters<M extends AnyModule>(module: M): M {
  for (const [name, child] of module.namedChildren()) {
    if (isFusable(child)) module.addModule(name, child.fuse());
    else fuseParameters(child);
  }
  return module;
}

/** γ/√(σ²+ε) and β − μ·γ/√(σ²+ε) of an eval-mode BatchNorm. */
function bnScaleShift(bn: BatchNorm): [Tensor, Tensor] {
  return tf.tidy(() => {
    const inv = tf.rsqrt(tf.add(bn.runningVar, bn.eps));
    const scale = bn.weight ? tf.mul(bn.weight, inv) : inv;
    const shift = tf.neg(tf.mul(bn.runningMean, scale));
    return [scale, bn.bias ? tf.add(shift, bn.bias) : shift] as [Tensor, Tensor];
  });
}

/** A biased Linear holding `w` / `b` (disposed here), with the trainable flag and mode of `like`. */
function linearFrom(w: Tensor, b: Tensor, like: AnyModule[]): Linear {
  const lin = new Linear({ in_features: w.shape[1]!, out_features: w.shape[0], bias: true });
  lin.weight.assign(w);
  lin.bias!.assign(b);
  tf.dispose([w, b]);
  lin.requiresGrad(allTrainable(...like));
  lin.train(like[0].training);
  return lin;
}

/** Names and class name of a conv + BN pair (`conv`/`bn` in LeViT, `conv2d`/`bn2d` in TinyViT). */
export interface ConvBNNames {
  typeName: string;
  conv: string;
  bn: string;
}

/** Bias-free Conv2d then a BatchNorm; `fuse()` gives one biased Conv2d. */
export class ConvBN extends Module implements Fusable {
  readonly convOpts: Conv2dOptions;

  constructor(
    opts: Conv2dOptions,
    private readonly names: ConvBNNames = { typeName: 'ConvolutionBatchNorm', conv: 'conv', bn: 'bn' },
    normCfg: NormCfg = { type: 'BN' },
  ) {
    super();
    this.convOpts = { ...opts, bias: false };
    this.addModule(names.conv, new Conv2d(this.convOpts));
    this.addModule(names.bn, buildNormLayer(normCfg, opts.out_channels)[1]);
  }

  override typeNames(): string[] {
    return [this.names.typeName];
  }

  get conv(): Conv2d {
    return this.child<Conv2d>(this.names.conv);
  }

  get bn(): BatchNorm {
    return this.child<BatchNorm>(this.names.bn);
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.bn.call(this.conv.call(x)));
  }

  /** (A BN already folded by `fuseConvBn` is an Identity here; `fuseBranch` takes the conv as it is then.) */
  fuse(): Conv2d {
    const kb = fuseBranch(this.conv, this.child(this.names.bn));
    return convFromKernel(this.convOpts, kb, { trainable: allTrainable(this), training: this.training });
  }
}

/** LeViT's `LinearBatchNorm`: bias-free Linear then BatchNorm1d over every token. `fuse()` gives a biased Linear. */
export class LinearBatchNorm extends Module implements Fusable {
  constructor(inFeatures: number, outFeatures: number, normCfg: NormCfg = { type: 'BN1d' }) {
    super();
    this.addModule('linear', new Linear({ in_features: inFeatures, out_features: outFeatures, bias: false }));
    this.addModule('bn', buildNormLayer(normCfg, outFeatures)[1]);
  }

  override typeNames(): string[] {
    return ['LinearBatchNorm'];
  }

  /** x: (..., in); the norm sees every leading position as a sample (PyTorch flattens (B, N) first). */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.child('bn').call(this.child('linear').call(x)) as Tensor);
  }

  fuse(): Linear {
    const lin = this.child<Linear>('linear');
    const bn = this.child<BatchNorm>('bn');
    const [w, b] = tf.tidy(() => {
      const [scale, shift] = bnScaleShift(bn);
      return [tf.mul(lin.weight, tf.reshape(scale, [-1, 1])), lin.bias ? tf.add(tf.mul(lin.bias, scale), shift) : shift];
    });
    return linearFrom(w, b, [this]);
  }
}

/** LeViT head's `BatchNormLinear`: BatchNorm1d then a biased Linear. `fuse()` gives one biased Linear. */
export class BatchNormLinear extends Module implements Fusable {
  constructor(inFeatures: number, outFeatures: number, normCfg: NormCfg = { type: 'BN1d' }) {
    super();
    this.addModule('bn', buildNormLayer(normCfg, inFeatures)[1]);
    this.addModule('linear', new Linear({ in_features: inFeatures, out_features: outFeatures }));
  }

  override typeNames(): string[] {
    return ['BatchNormLinear'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.child('linear').call(this.child('bn').call(x)) as Tensor);
  }

  fuse(): Linear {
    const lin = this.child<Linear>('linear');
    const bn = this.child<BatchNorm>('bn');
    const [w, b] = tf.tidy(() => {
      const [scale, shift] = bnScaleShift(bn);
      const w2 = tf.mul(lin.weight, tf.reshape(scale, [1, -1]));
      const b2 = tf.reshape(tf.matMul(lin.weight as tf.Tensor2D, tf.reshape(shift, [-1, 1]) as tf.Tensor2D), [-1]);
      return [w2, lin.bias ? tf.add(b2, lin.bias) : b2];
    });
    return linearFrom(w, b, [this]);
  }
}
