/**
 * A dilated `Conv2d` that also trains: tfjs has no gradient for convolutions with dilation > 1, so in training mode the
 * kernel is spread out with zeros to its dilated extent ((k − 1)·d + 1) and run undilated — the same values, with
 * gradients for the input, the weight and the bias. Eval mode keeps `Conv2d`'s dilated kernels.
 */
import { tf, type Tensor, type Tensor4D } from '../../backends/tf';
import { Conv2d } from '../nn/conv';

/** OIHW weight [O, I, kh, kw] → [O, I, (kh−1)·dh + 1, (kw−1)·dw + 1] with zeros between the taps. */
export function dilateKernel(w: Tensor, dh: number, dw: number): Tensor {
  return tf.tidy(() => {
    const [o, i, kh, kw] = w.shape as [number, number, number, number];
    if (dh === 1 && dw === 1) return tf.clone(w);
    const spread = tf.pad(tf.reshape(w, [o, i, kh, 1, kw, 1]), [[0, 0], [0, 0], [0, 0], [0, dh - 1], [0, 0], [0, dw - 1]]);
    return tf.slice(tf.reshape(spread, [o, i, kh * dh, kw * dw]), [0, 0, 0, 0], [o, i, (kh - 1) * dh + 1, (kw - 1) * dw + 1]);
  });
}

export class DilatedConv2d extends Conv2d {
  override forward(x: Tensor): Tensor {
    const [dh, dw] = this.dilation;
    if (!this.training || (dh === 1 && dw === 1)) return super.forward(x);
    return tf.tidy(() => {
      const w = dilateKernel(this.weight, dh, dw);
      const [ph, pw] = this.padding;
      const xin = ph || pw ? tf.pad(x as Tensor4D, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : (x as Tensor4D);
      const common = { strides: this.stride, pad: 'valid' as const, dataFormat: 'NHWC' as const, bias: this.bias ?? undefined, activation: this.fusedActivation };
      if (this.isDepthwise) {
        const mult = this.outChannels / this.inChannels;
        const k = tf.transpose(tf.reshape(w, [this.inChannels, mult, w.shape[2]!, w.shape[3]!]), [2, 3, 0, 1]) as Tensor4D;
        return tf.fused.depthwiseConv2d({ x: xin, filter: k, ...common });
      }
      const k = tf.transpose(w, [2, 3, 1, 0]) as Tensor4D;
      if (this.groups === 1) return tf.fused.conv2d({ x: xin, filter: k, ...common });
      const xs = tf.split(xin, this.groups, 3) as Tensor4D[];
      const ks = tf.split(k, this.groups, 3) as Tensor4D[];
      let y: Tensor = tf.concat(xs.map((xi, g) => tf.conv2d(xi, ks[g], this.stride, 'valid', 'NHWC')), 3);
      if (this.bias) y = tf.add(y, this.bias);
      return y;
    });
  }
}
