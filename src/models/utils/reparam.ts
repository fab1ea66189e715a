/**
 * Structural re-parameterisation (RepVGG, MobileOne, RepLKNet, RepMLPNet): the kernel algebra that merges parallel
 * conv+BN branches into one biased convolution, and `switchToDeploy` over a model (MMPretrain's
 * `switch_to_deploy` / `tools/model_converters/reparameterize_model.py`). Weights are in PyTorch's OIHW layout.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Conv2d, type Conv2dOptions } from '../nn/conv';
import type { AnyModule } from '../nn/module';
import { BatchNorm } from '../nn/norm';
import { convBnFusedParams } from './fuse_conv_bn';

/** A module with a train-time multi-branch form and an equivalent single-branch deploy form. */
export interface Reparameterizable {
  /** Merges the branches in place (eval-mode BN statistics); a no-op once in deploy form. */
  switchToDeploy(): void;
}

export function isReparameterizable(m: unknown): m is Reparameterizable {
  return typeof (m as Reparameterizable | null)?.switchToDeploy === 'function';
}

/** Calls `switchToDeploy` on every re-parameterisable module of `model` (each is idempotent); returns `model`. */
export function switchToDeploy<M extends AnyModule>(model: M): M {
  for (const [, m] of model.namedModules()) if (isReparameterizable(m)) m.switchToDeploy();
  return model;
}

/** Fused kernel and bias, OIHW weight [O, I/g, k, k] and bias [O]. */
export type KernelBias = [Tensor, Tensor];

/** A `conv`→`norm` branch as one kernel and bias; `norm` may already be folded away (Identity / absent). */
export function fuseBranch(conv: Conv2d, norm: AnyModule | null): KernelBias {
  if (norm instanceof BatchNorm) return convBnFusedParams(conv.weight, conv.bias, norm);
  return tf.tidy(() => [tf.clone(conv.weight), conv.bias ? tf.clone(conv.bias) : tf.zeros([conv.outChannels])] as KernelBias);
}

/** The identity map as a k×k grouped conv kernel [channels, channels/groups, k, k] (1 at the centre tap). */
export function identityKernel(channels: number, groups: number, k: number): Tensor {
  assert(channels % groups === 0, () => `identityKernel: ${channels} channels not divisible by groups ${groups}`);
  const inputDim = channels / groups;
  const data = new Float32Array(channels * inputDim * k * k);
  const c = k >> 1;
  for (let i = 0; i < channels; i++) data[((i * inputDim + (i % inputDim)) * k + c) * k + c] = 1;
  return tf.tensor4d(data, [channels, inputDim, k, k]);
}

/** A BatchNorm-only (identity) branch as a k×k conv kernel and bias. */
export function fuseIdentityBranch(norm: AnyModule, channels: number, groups: number, k: number): KernelBias {
  return tf.tidy(() => {
    const id = identityKernel(channels, groups, k);
    if (norm instanceof BatchNorm) return convBnFusedParams(id, null, norm);
    return [id, tf.zeros([channels])] as KernelBias;
  });
}

/** Zero-pads a smaller (odd) OIHW kernel to k×k, centred. */
export function padKernel(w: Tensor, k: number): Tensor {
  const [kh, kw] = [w.shape[2]!, w.shape[3]!];
  assert(kh <= k && kw <= k && (k - kh) % 2 === 0 && (k - kw) % 2 === 0, () => `padKernel: cannot centre a ${kh}×${kw} kernel in ${k}×${k}`);
  if (kh === k && kw === k) return tf.clone(w);
  const ph = (k - kh) / 2;
  const pw = (k - kw) / 2;
  return tf.pad(w, [[0, 0], [0, 0], [ph, ph], [pw, pw]]);
}

/** Sums branches' kernels (already of one size) and biases; disposes the inputs. */
export function sumKernelBias(parts: KernelBias[]): KernelBias {
  assert(parts.length > 0, () => 'sumKernelBias: no branch');
  const out = tf.tidy(() => [tf.addN(parts.map(([w]) => w)), tf.addN(parts.map(([, b]) => b))] as KernelBias);
  tf.dispose(parts.flat());
  return out;
}

/** A biased `Conv2d` (or what `make` builds) holding `kernel` / `bias` (taken over: disposed here once copied). */
export function convFromKernel(
  opts: Conv2dOptions,
  [kernel, bias]: KernelBias,
  { trainable = true, training = false, make = (o: Conv2dOptions) => new Conv2d(o) }: { trainable?: boolean; training?: boolean; make?: (o: Conv2dOptions) => Conv2d } = {},
): Conv2d {
  const conv = make({ ...opts, bias: true });
  assert(kernel.shape.join() === conv.weight.shape.join(), () => `convFromKernel: kernel [${kernel.shape}] does not fit the conv's weight [${conv.weight.shape}]`);
  conv.setWeights(kernel, bias);
  tf.dispose([kernel, bias]);
  conv.requiresGrad(trainable);
  conv.train(training);
  return conv;
}

/** True when every parameter of `m` is trainable (a frozen branch gives a frozen merged conv). */
export function allTrainable(...mods: (AnyModule | null)[]): boolean {
  return mods.every((m) => !m || m.parameters().every((p) => p.trainable));
}

/**
 * Moves child `name` of `parent` to the end of its children (so that state-dict order matches a module built in
 * deploy form) by replacing it with `fresh`, a newly built module of the same structure that takes over its
 * parameters (shared, no read-back from the device), trainable flags, buffers and mode.
 */
export function moveChildToEnd(parent: AnyModule, name: string, fresh: AnyModule): void {
  const old = parent.child(name);
  const oldParams = new Map(old.namedParameters());
  for (const [n, v] of fresh.namedParameters()) {
    const o = oldParams.get(n);
    assert(o && o.shape.join() === v.shape.join(), () => `moveChildToEnd: '${name}.${n}' has no counterpart of shape [${v.shape}]`);
    v.assign(o);
    v.trainable = o.trainable;
  }
  // Buffers (BatchNorm statistics) only through the state dict.
  if (old.stateDictShapes().size > oldParams.size) fresh.loadStateDict(old.stateDict());
  fresh.train(old.training);
  parent.removeModule(name);
  parent.addModule(name, fresh);
}
