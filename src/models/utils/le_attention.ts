/**
 * `LeAttention` (MMPretrain `models/utils/attention.py`, used by TinyViT's windows): LayerNorm, then multi-head
 * attention with a learned bias per head and relative offset (LeViT-style) on a `resolution` grid of tokens.
 * `attention_bias_idxs` is a non-persistent buffer in PyTorch, so it is not part of the state dict here either.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import { LayerNorm } from '../nn/norm';
import { AttentionBiasLookup, attentionBiasGrid } from './attention_bias';

export class LeAttention extends Module {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly scale: number;
  readonly d: number;
  readonly dh: number;
  readonly attentionBiases: ReturnType<Module['param']>;
  private readonly lookup: AttentionBiasLookup;

  constructor(dim: number, keyDim: number, numHeads = 8, attnRatio = 4, resolution: [number, number] = [14, 14]) {
    super();
    assert(Array.isArray(resolution) && resolution.length === 2, () => 'LeAttention: resolution must be a (h, w) pair');
    this.numHeads = numHeads;
    this.keyDim = keyDim;
    this.scale = keyDim ** -0.5;
    this.d = Math.trunc(attnRatio * keyDim);
    this.dh = this.d * numHeads;
    this.addModule('norm', new LayerNorm({ normalized_shape: dim }));
    this.addModule('qkv', new Linear({ in_features: dim, out_features: this.dh + keyDim * numHeads * 2 }));
    this.addModule('proj', new Linear({ in_features: this.dh, out_features: dim }));
    this.lookup = new AttentionBiasLookup(attentionBiasGrid(resolution));
    this.attentionBiases = this.registerParameter('attention_biases', [numHeads, this.lookup.numOffsets]);
  }

  override typeNames(): string[] {
    return ['LeAttention'];
  }

  /** x: [B, N, C] with N = h·w of the resolution. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n] = x.shape as [number, number, number];
      assert(n === this.lookup.numKeys, () => `LeAttention: ${n} tokens, but its attention biases are built for ${this.lookup.numKeys}`);
      const h = this.child('norm').call(x) as Tensor;
      const qkv = tf.transpose(tf.reshape(this.child('qkv').call(h) as Tensor, [b, n, this.numHeads, -1]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv, [this.keyDim, this.keyDim, this.d], -1);
      const attn = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), this.scale), this.lookup.lookup(this.attentionBiases)), -1);
      const y = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, n, this.dh]);
      return this.child('proj').call(y) as Tensor;
    });
  }

  override dispose(): void {
    this.lookup.dispose();
    super.dispose();
  }
}
