/** `channel_shuffle` (MMPretrain `models/utils/channel_shuffle.py`) on NHWC: interleave `groups` channel groups. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';

export function channelShuffle(x: Tensor, groups: number): Tensor {
  const [n, h, w, c] = x.shape;
  assert(c! % groups === 0, () => 'num_channels should be divisible by groups');
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [n, h!, w!, groups, c! / groups]), [0, 1, 2, 4, 3]), [n, h!, w!, c!]));
}
