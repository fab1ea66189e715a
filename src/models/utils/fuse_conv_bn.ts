/**
 * Inference-time folding, as mmcv's `fuse_conv_bn` (used by MMPretrain's `--fuse-conv-bn`): every BatchNorm
 * that directly follows a Conv2d among a module's children is folded into the conv's weight and bias and
 * replaced by `Identity`. Optionally (default) a ReLU/ReLU6 right after a folded conv is fused into the
 * conv kernel as well (tfjs fused conv2d), which the blocks honour.
 */
import { tf, type Tensor } from '../../backends/tf';
import { Conv2d } from '../nn/conv';
import { Identity, type AnyModule } from '../nn/module';
import { BatchNorm } from '../nn/norm';

/**
 * The weight and bias of a conv (OIHW `weight`, `bias` or none) followed by `bn` in eval mode:
 * W' = W·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β. Returns new tensors (the caller owns them).
 */
export function convBnFusedParams(weight: Tensor, bias: Tensor | null, bn: BatchNorm): [Tensor, Tensor] {
  return tf.tidy(() => {
    const invStd = tf.rsqrt(tf.add(bn.runningVar, bn.eps));
    const scale = bn.weight ? tf.mul(bn.weight, invStd) : invStd;
    const w = tf.mul(weight, tf.reshape(scale, [-1, 1, 1, 1]));
    const b0 = bias ?? tf.zeros([weight.shape[0]]);
    let b = tf.mul(tf.sub(b0, bn.runningMean), scale);
    if (bn.bias) b = tf.add(b, bn.bias);
    return [w, b] as [Tensor, Tensor];
  });
}

/** Folds `bn` into `conv` in place (see {@link convBnFusedParams}). */
export function foldBatchNorm(conv: Conv2d, bn: BatchNorm): void {
  tf.tidy(() => {
    const [w, b] = convBnFusedParams(conv.weight, conv.bias, bn);
    conv.setWeights(w, b);
  });
}

/** Something that can fuse its activation into a preceding conv once its norms are folded. */
export interface ActivationFusable {
  fuseActivations(): void;
}

function isActivationFusable(m: unknown): m is ActivationFusable {
  return typeof (m as ActivationFusable).fuseActivations === 'function';
}

/** Folds in place and returns `model` (call on an eval-mode model; running statistics are used). */
export function fuseConvBn<M extends AnyModule>(model: M, { fuseActivation = true }: { fuseActivation?: boolean } = {}): M {
  let lastConv: [string, Conv2d] | null = null;
  for (const [name, child] of model.namedChildren()) {
    if (child instanceof BatchNorm) {
      // Only a per-output-channel BN folds (RepMLP's fc3_bn normalises sharesets, not fc3's channels).
      if (!lastConv || child.numFeatures !== lastConv[1].outChannels) {
        lastConv = null;
        continue;
      }
      foldBatchNorm(lastConv[1], child);
      model.addModule(name, new Identity());
      lastConv = null;
    } else if (child instanceof Conv2d) {
      lastConv = [name, child];
    } else {
      fuseConvBn(child, { fuseActivation });
    }
  }
  if (fuseActivation && isActivationFusable(model)) model.fuseActivations();
  model.onWeightsChanged();
  return model;
}
