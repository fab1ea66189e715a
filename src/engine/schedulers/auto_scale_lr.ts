/** `auto_scale_lr` (mmengine `Runner.scale_lr`): scales every group's lr by real batch / `base_batch_size`. */
import { assert } from '../../utils/assert';
import type { ParamGroup } from '../optimizers/param_groups';

export interface AutoScaleLrConfig {
  /** The total batch size the config's lr was tuned for. Required when enabled. */
  base_batch_size?: number;
  /** Turns scaling on. Default false (MMPretrain configs ship it off; `--auto-scale-lr` turns it on). */
  enable?: boolean;
}

/**
 * Multiplies each group's `lr` by `realBatchSize / base_batch_size` when `cfg.enable`; returns the ratio
 * (1 when disabled). Call it after building the optimizer and before building schedulers (they record initial lr).
 * `groups` are the optimizer's own groups (not an optim wrapper's `base_param_settings`), as mmengine does.
 */
export function autoScaleLr(groups: ParamGroup[], cfg: AutoScaleLrConfig | null | undefined, realBatchSize: number): number {
  if (!cfg || !cfg.enable) return 1;
  assert(typeof cfg.base_batch_size === 'number' && cfg.base_batch_size > 0, () => 'Lack of `base_batch_size` in `auto_scale_lr`.');
  const ratio = realBatchSize / cfg.base_batch_size;
  for (const group of groups) group.lr = (group.lr as number) * ratio;
  return ratio;
}
