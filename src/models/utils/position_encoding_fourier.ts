/**
 * `PositionEncodingFourier` (MMPretrain `models/utils/position_encoding.py`, from EdgeNeXt): sin/cos features of the
 * normalised row and column positions (`in_channels` each), projected by a 1×1 `proj` conv to `embed_dims`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { Conv2d } from '../nn/conv';
import { Module } from '../nn/module';

export interface PositionEncodingFourierOptions {
  /** Default: 32. */
  in_channels?: number;
  /** Default: 768. */
  embed_dims?: number;
  /** Default: 10000. */
  temperature?: number;
}

/** Takes `[B, H, W]`, returns the encoding as an NHWC (B, H, W, embed_dims) map. */
export class PositionEncodingFourier extends Module<[number, number, number], Tensor> {
  readonly inChannels: number;
  readonly embedDims: number;
  readonly dimT: Float32Array;
  private cache: { key: string; pos: Tensor } | null = null;

  constructor(o: PositionEncodingFourierOptions = {}) {
    super();
    const { in_channels = 32, embed_dims = 768, temperature = 10000 } = o;
    this.inChannels = in_channels;
    this.embedDims = embed_dims;
    this.addModule('proj', new Conv2d({ in_channels: in_channels * 2, out_channels: embed_dims, kernel_size: 1 }));
    this.dimT = Float32Array.from({ length: in_channels }, (_, i) => temperature ** ((2 * Math.floor(i / 2)) / in_channels));
  }

  override typeNames(): string[] {
    return ['PositionEncodingFourier'];
  }

  /** The unprojected (1, H, W, 2·in_channels) features: [pos_y, pos_x], each interleaving sin (even) and cos (odd). */
  protected features(h: number, w: number): Tensor {
    const key = `${h}x${w}`;
    if (this.cache?.key === key) return this.cache.pos;
    const c = this.inChannels;
    const f = Math.fround;
    const scale = f(2 * Math.PI);
    const eps = 1e-6;
    const data = new Float32Array(h * w * 2 * c);
    const embed = (i: number, n: number) => f(f(f(i + 1) / f(n + eps)) * scale);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = (y * w + x) * 2 * c;
        const ye = embed(y, h);
        const xe = embed(x, w);
        for (let k = 0; k < c; k++) {
          const py = f(ye / this.dimT[k]);
          const px = f(xe / this.dimT[k]);
          data[base + k] = k % 2 === 0 ? Math.sin(py) : Math.cos(py);
          data[base + c + k] = k % 2 === 0 ? Math.sin(px) : Math.cos(px);
        }
      }
    }
    this.cache?.pos.dispose();
    this.cache = { key, pos: tf.keep(tf.tensor4d(data, [1, h, w, 2 * c])) };
    return this.cache.pos;
  }

  forward([b, h, w]: [number, number, number]): Tensor {
    const pos = this.features(h, w);
    return tf.tidy(() => {
      const y = this.child('proj').call(pos) as Tensor;
      return b === 1 ? y : tf.tile(y, [b, 1, 1, 1]);
    });
  }

  override dispose(): void {
    this.cache?.pos.dispose();
    this.cache = null;
    super.dispose();
  }
}
