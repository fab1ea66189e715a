/**
 * MMPretrain's `LayerNorm2d` (registered as `LN2d`, `models/utils/norm.py`) and its `build_norm_layer`, which returns
 * the layer alone (no mmcv name) and also knows `LN2d`. On this project's NHWC tensors a channel LayerNorm is a plain
 * LayerNorm of the last axis, whichever `data_format` MMPretrain would pass.
 */
import { assert } from '../../utils/assert';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import type { AnyModule } from '../nn/module';
import { LayerNorm, type LayerNormOptions } from '../nn/norm';

/** LayerNorm over the channels of an image batch (NHWC inside, PyTorch's `(C,)` weight and bias). */
export class LayerNorm2d extends LayerNorm {
  readonly numChannels: number;
  constructor(opts: LayerNormOptions) {
    super(opts);
    this.numChannels = opts.normalized_shape;
  }

  override typeNames(): string[] {
    return ['LayerNorm2d', 'LayerNorm'];
  }
}

/**
 * `mmpretrain.models.utils.build_norm_layer(cfg, num_features)`: `LN2d` builds a {@link LayerNorm2d} (keys `eps`,
 * `elementwise_affine`, `requires_grad`); other types go to mmcv's builder. `eps` defaults to 1e-5 for every type.
 */
export function buildNormLayer2d(cfg: NormCfg, numFeatures: number): AnyModule {
  assert(cfg && typeof cfg === 'object', () => 'cfg must be a dict');
  assert(typeof cfg.type === 'string', () => 'the cfg dict must contain the key "type"');
  if (cfg.type !== 'LN2d') return buildNormLayer(cfg, numFeatures)[1];
  checkKeys(cfg, ['type', 'requires_grad', 'eps', 'elementwise_affine'], 'norm_cfg (LN2d)');
  const layer = new LayerNorm2d({ normalized_shape: numFeatures, eps: cfg.eps ?? 1e-5, elementwise_affine: (cfg.elementwise_affine as boolean | undefined) ?? true });
  if (cfg.requires_grad === false) layer.requiresGrad(false);
  return layer;
}
