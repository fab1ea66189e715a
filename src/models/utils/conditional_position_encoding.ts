/**
 * `ConditionalPositionEncoding` (MMPretrain `utils/position_encoding.py`, the PEG of CPVT / Twins): a 3×3 depthwise
 * convolution `proj` of the token map, added to it when the stride is 1. Works on NHWC maps [B, H, W, C]. Other odd
 * kernel sizes (padding k // 2) serve DaViT's `ConvPosEnc`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { Conv2d } from '../nn/conv';
import { Module } from '../nn/module';

export class ConditionalPositionEncoding extends Module {
  readonly stride: number;

  constructor(inChannels: number, embedDims = 768, stride = 1, kernelSize = 3) {
    super();
    this.stride = stride;
    this.addModule('proj', new Conv2d({ in_channels: inChannels, out_channels: embedDims, kernel_size: kernelSize, stride, padding: kernelSize >> 1, bias: true, groups: embedDims }));
  }

  override typeNames(): string[] {
    return ['ConditionalPositionEncoding'];
  }

  /** x: NHWC [B, H, W, C] → NHWC (H, W divided by the stride). */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const y = this.child('proj').call(x) as Tensor;
      return this.stride === 1 ? tf.add(y, x) : y;
    });
  }
}
